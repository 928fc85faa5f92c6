"""Builds macro documents and Outlook messages for the document tests, from committed text only.

No Debian tool writes VBA projects or .msg files (LibreOffice cannot author VBA; olefile only reads),
so this module writes them itself, following the published formats:

- cfb(): a Compound File Binary writer ([MS-CFB]): header, FAT, MiniFAT, mini stream, directory
  (each storage's children as a balanced binary search tree in CFB name order), 512- or 4096-byte
  sectors. The tests read every file it writes back with olefile, an independent reader.
- ovba_compress(): the [MS-OVBA] 2.4.1 compression algorithm (greedy longest match per chunk).
- vba_project(): a vbaProject.bin with PROJECT, PROJECTwm, VBA/_VBA_PROJECT, VBA/dir and one
  compressed source stream per module.
- docm(), doc(), macro_document_zip(): a macro-enabled Word package, a Word 97-style compound
  file with the project under Macros/, and a zip holding such a .doc whose extra stream is the EICAR
  test string (for the mail -> zip -> macro document -> EICAR chain test).
- outlook_msg(): an Outlook message following [MS-OXMSG] (subject, sender, recipients, transport
  headers, plain-text body, attachments).

Importable from other tests (tests/cli is their directory): `import vba_document`.
"""
import io
import struct
import zipfile

FREE, END, FAT_MARK, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

# The committed macro: it runs on open and starts a program, which is what the indicators look for.
MACRO_SOURCE = (
    'Attribute VB_Name = "Module1"\r\n'
    "Sub AutoOpen()\r\n"
    "    ' Runs when the document opens.\r\n"
    "    Dim result As Double\r\n"
    '    result = Shell("calc.exe", vbNormalFocus)\r\n'
    "End Sub\r\n"
)
DOCUMENT_MODULE_SOURCE = (
    'Attribute VB_Name = "ThisDocument"\r\n'
    'Attribute VB_Base = "1Normal.ThisDocument"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = True\r\n"
    "Attribute VB_Exposed = True\r\n"
    "Attribute VB_TemplateDerived = True\r\n"
    "Attribute VB_Customizable = True\r\n"
)
# Split so that this source file is not itself flagged by scanners.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


# ---- [MS-OVBA] 2.4.1 compression -------------------------------------------------------------------

def _bit_count(difference):
    return max((difference - 1).bit_length() if difference > 1 else 0, 4)


def _compress_chunk(chunk):
    out = bytearray()
    pos = 0
    while pos < len(chunk):
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits = _bit_count(pos)
            max_length = (0xFFFF >> bits) + 3
            max_offset = 1 << (16 - bits)
            best_length, best_offset = 0, 0
            for candidate in range(pos - 1, max(-1, pos - max_offset - 1), -1):
                length = 0
                while (length < max_length and pos + length < len(chunk)
                       and chunk[candidate + length] == chunk[pos + length]):
                    length += 1
                if length > best_length:
                    best_length, best_offset = length, pos - candidate
            if best_length >= 3:
                token = ((best_offset - 1) << (16 - bits)) | (best_length - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_length
            else:
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def ovba_compress(data):
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        packed = _compress_chunk(chunk)
        if len(packed) > 4096 and len(chunk) == 4096:
            out += struct.pack("<H", 0x3FFF) + chunk  # a raw chunk: always 4096 bytes
        else:
            out += struct.pack("<H", 0xB000 | (len(packed) + 2 - 3)) + packed
    return bytes(out)


# ---- [MS-CFB] writer --------------------------------------------------------------------------------

class _Node:
    def __init__(self, name, data=None):
        self.name, self.data, self.children = name, data, {}
        self.id = self.start = 0
        self.left = self.right = self.child = NOSTREAM
        self.clsid = b"\0" * 16


def _cfb_order(node):
    """[MS-CFB] 2.6.4: shorter names first, then by upper-cased UTF-16 code units."""
    return (len(node.name), node.name.upper())


def _tree(nodes):
    """Links `nodes` (sorted) as a balanced binary search tree and returns the root's id."""
    if not nodes:
        return NOSTREAM
    middle = len(nodes) // 2
    root = nodes[middle]
    root.left = _tree(nodes[:middle])
    root.right = _tree(nodes[middle + 1:])
    return root.id


def cfb(streams, root_clsid=b"\0" * 16, sector_size=512, clsids=None):
    """A compound file holding `streams` ({"Storage/Stream": bytes}); storages are made as needed.
    `clsids` optionally maps storage paths to their CLSID bytes."""
    shift = {512: 9, 4096: 12}[sector_size]
    root = _Node("Root Entry")
    root.clsid = root_clsid
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Node(part))
        node.children[parts[-1]] = _Node(parts[-1], bytes(data))
    for path, clsid in (clsids or {}).items():
        node = root
        for part in path.split("/"):
            node = node.children[part]
        node.clsid = clsid

    # Directory ids in breadth-first order, the root first.
    order, queue = [], [root]
    while queue:
        node = queue.pop(0)
        node.id = len(order)
        order.append(node)
        queue.extend(sorted(node.children.values(), key=_cfb_order))
    for node in order:
        node.child = _tree(sorted(node.children.values(), key=_cfb_order))

    # Small streams go to the mini stream (64-byte sectors), the rest get regular sectors.
    mini, mini_fat = bytearray(), []
    big = []
    for node in order:
        if node.data is None:
            continue
        if len(node.data) < 4096:
            if not node.data:
                node.start = END
                continue
            node.start = len(mini) // 64
            count = (len(node.data) + 63) // 64
            mini_fat += [node.start + i + 1 for i in range(count - 1)] + [END]
            mini += node.data + b"\0" * (count * 64 - len(node.data))
        else:
            big.append(node)

    sectors = []  # contents of each sector, in order
    fat = []

    def allocate(data):
        count = max(1, (len(data) + sector_size - 1) // sector_size)
        first = len(sectors)
        for i in range(count):
            piece = data[i * sector_size:(i + 1) * sector_size]
            sectors.append(piece + b"\0" * (sector_size - len(piece)))
            fat.append(first + i + 1 if i + 1 < count else END)
        return first

    for node in big:
        node.start = allocate(node.data)
    root.start = allocate(bytes(mini)) if mini else END
    root_size = len(mini)
    if mini_fat:
        mini_fat += [FREE] * (-len(mini_fat) % (sector_size // 4))
    mini_fat_bytes = b"".join(struct.pack("<I", v) for v in mini_fat)
    mini_fat_start = allocate(mini_fat_bytes) if mini_fat else END
    mini_fat_sectors = (len(mini_fat_bytes) + sector_size - 1) // sector_size if mini_fat else 0

    entries = bytearray()
    for node in order:
        name = node.name.encode("utf-16-le")
        if node is root:
            kind, start, size = 5, root.start, root_size
        elif node.data is None:
            kind, start, size = 1, 0, 0
        else:
            kind, start, size = 2, node.start, len(node.data)
        entries += (name + b"\0" * (64 - len(name)) + struct.pack("<HBB", len(name) + 2, kind, 1)
                    + struct.pack("<III", node.left, node.right, node.child) + node.clsid
                    + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))
    per_sector = sector_size // 128
    while len(entries) % sector_size:
        entries += b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 48
    directory_start = allocate(bytes(entries))
    directory_sectors = len(entries) // sector_size
    assert len(entries) // 128 >= len(order) and per_sector

    # The FAT describes every sector including its own; grow it until it covers itself.
    per_fat = sector_size // 4
    fat_count = 1
    while (len(sectors) + fat_count + per_fat - 1) // per_fat > fat_count:
        fat_count += 1
    assert fat_count <= 109, "the writer keeps every FAT sector in the header DIFAT"
    fat_start = len(sectors)
    fat += [FAT_MARK] * fat_count
    fat += [FREE] * (fat_count * per_fat - len(fat))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    for i in range(fat_count):
        sectors.append(fat_bytes[i * sector_size:(i + 1) * sector_size])

    difat = [fat_start + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3 if sector_size == 512 else 4, 0xFFFE, shift, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", directory_sectors if sector_size == 4096 else 0, fat_count,
                            directory_start, 0, 4096, mini_fat_start, mini_fat_sectors, END, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    header += b"\0" * (sector_size - len(header))
    return header + b"".join(sectors)


# ---- [MS-OVBA] project ------------------------------------------------------------------------------

def _record(record_id, data):
    return struct.pack("<HI", record_id, len(data)) + data


def _dir_stream(modules, codepage=1252):
    """2.3.4.2: PROJECTINFORMATION, PROJECTREFERENCES (none), PROJECTMODULES."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 1))          # SYSKIND: 32-bit Windows
    out += _record(0x0002, struct.pack("<I", 0x0409))     # LCID
    out += _record(0x0014, struct.pack("<I", 0x0409))     # LCIDINVOKE
    out += _record(0x0003, struct.pack("<H", codepage))   # CODEPAGE
    out += _record(0x0004, b"Project")                    # NAME
    out += _record(0x0005, b"") + _record(0x0040, b"")    # DOCSTRING and its Unicode form
    out += _record(0x0006, b"") + _record(0x003D, b"")    # HELPFILEPATH 1 and 2
    out += _record(0x0007, struct.pack("<I", 0))          # HELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))          # LIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)          # VERSION: Reserved=4, then 6 bytes
    out += _record(0x000C, b"") + _record(0x003C, b"")    # CONSTANTS and their Unicode form
    out += _record(0x000F, struct.pack("<H", len(modules)))  # MODULES count
    out += _record(0x0013, struct.pack("<H", 0xFFFF))     # PROJECTCOOKIE
    for name, _, procedural in modules:
        encoded = name.encode("cp1252")
        out += _record(0x0019, encoded)
        out += _record(0x0047, name.encode("utf-16-le"))
        out += _record(0x001A, encoded) + _record(0x0032, name.encode("utf-16-le"))
        out += _record(0x001C, b"") + _record(0x0048, b"")
        out += _record(0x0031, struct.pack("<I", 0))      # TextOffset: no p-code cache before the source
        out += _record(0x001E, struct.pack("<I", 0))
        out += _record(0x002C, struct.pack("<H", 0xFFFF))
        out += _record(0x0021 if procedural else 0x0022, b"")
        out += _record(0x002B, b"")                      # module terminator
    out += _record(0x0010, b"")                          # dir terminator
    return bytes(out)


def vba_streams(modules, prefix=""):
    """The streams of a VBA project, under `prefix` ("" for vbaProject.bin, "Macros/" in a .doc).
    `modules` is a list of (name, source text, procedural)."""
    project_lines = ['ID="{00000000-0000-0000-0000-000000000000}"']
    for name, _, procedural in modules:
        project_lines.append(("Module=" if procedural else "Document=") + name + ("" if procedural else "/&H00000000"))
    project_lines += ['Name="Project"', 'HelpContextID="0"', 'VersionCompatible32="393222000"', 'CMG=""',
                      'DPB=""', 'GC=""', "", "[Host Extender Info]", "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", ""]
    streams = {
        prefix + "PROJECT": "\r\n".join(project_lines).encode("cp1252"),
        prefix + "PROJECTwm": b"".join(n.encode("cp1252") + b"\0" + n.encode("utf-16-le") + b"\0\0" for n, _, _ in modules) + b"\0\0",
        # 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (no p-code for this host), Reserved2, Reserved3.
        prefix + "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000),
        prefix + "VBA/dir": ovba_compress(_dir_stream(modules)),
    }
    for name, source, _ in modules:
        streams[prefix + "VBA/" + name] = ovba_compress(source.encode("cp1252"))
    return streams


DEFAULT_MODULES = [("Module1", MACRO_SOURCE, True), ("ThisDocument", DOCUMENT_MODULE_SOURCE, False)]


def vba_project(modules=DEFAULT_MODULES, sector_size=512):
    return cfb(vba_streams(modules), sector_size=sector_size)


# ---- documents ----------------------------------------------------------------------------------------

_DOCM_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '</Types>')
_DOCM_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '</Relationships>')
_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
    '</Relationships>')
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:body><w:p><w:r><w:t>Please enable macros.</w:t></w:r></w:p></w:body></w:document>')
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dc:title>Invoice &amp; receipt</dc:title><dc:creator>Macro Author</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-02-03T04:05:06Z</dcterms:created>'
    '</cp:coreProperties>')


def docm(project=None, remote_template=None):
    """A macro-enabled Word package with `project` (a vbaProject.bin) as word/vbaProject.bin.
    With `remote_template`, word/settings.xml loads its template from that URL (TargetMode External)."""
    project = project if project is not None else vba_project()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCM_TYPES)
        z.writestr("_rels/.rels", _DOCM_RELS)
        z.writestr("word/document.xml", _DOCUMENT)
        z.writestr("word/_rels/document.xml.rels", _DOCUMENT_RELS)
        z.writestr("word/vbaProject.bin", project)
        z.writestr("docProps/core.xml", _CORE)
        if remote_template:
            z.writestr("word/settings.xml",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                       '<w:attachedTemplate r:id="rId1"/></w:settings>')
            z.writestr("word/_rels/settings.xml.rels",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/attachedTemplate" Target="' + remote_template + '" TargetMode="External"/>'
                       '</Relationships>')
    return buffer.getvalue()


def doc(modules=DEFAULT_MODULES, extra_streams=None, sector_size=512):
    """A Word 97-style compound file: a WordDocument stream (its FIB magic only: nothing here reads
    the text) and the VBA project under Macros/, plus any `extra_streams`."""
    streams = {"WordDocument": struct.pack("<HH", 0xA5EC, 0x00C1) + b"\0" * 1020, "1Table": b"\0" * 512}
    streams.update(vba_streams(modules, prefix="Macros/"))
    streams.update(extra_streams or {})
    return cfb(streams, sector_size=sector_size)


def macro_document_zip():
    """A zip holding invoice.doc: a macro document (AutoOpen + Shell) whose stream "Data" is exactly
    the EICAR test string, so scanning the zip finds EICAR three layers down."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("invoice.doc", doc(extra_streams={"Data": EICAR}))
    return buffer.getvalue()


# ---- [MS-OXMSG] Outlook message ---------------------------------------------------------------------

def _unicode(text):
    return text.encode("utf-16-le") + b"\0\0"


def _fixed_properties(header_size, properties):
    """2.4: a header, then 16-byte records (tag, flags, 8-byte value) for fixed-size properties."""
    out = bytearray(b"\0" * header_size)
    for prop_id, prop_type, value in properties:
        out += struct.pack("<IIQ", (prop_id << 16) | prop_type, 0x6, value)
    return bytes(out)


def outlook_msg(subject, sender_name, sender_address, recipients, attachments, body="", headers=""):
    """recipients: [(name, address, type 1/2/3)]; attachments: [(file name, bytes)]."""
    streams = {}

    def string(prefix, prop_id, text):
        streams[f"{prefix}__substg1.0_{prop_id:04X}001F"] = _unicode(text)

    string("", 0x001A, "IPM.Note")
    string("", 0x0037, subject)
    string("", 0x0C1A, sender_name)
    string("", 0x0C1F, sender_address)
    string("", 0x0C1E, "SMTP")
    string("", 0x5D01, sender_address)
    string("", 0x0E04, "; ".join(name for name, _, kind in recipients if kind == 1))
    if body:
        string("", 0x1000, body)
    if headers:
        string("", 0x007D, headers)
    # Top-level header (32 bytes): reserved 8, next recipient id, next attachment id, counts, reserved 8.
    header = struct.pack("<8xIIII8x", len(recipients), len(attachments), len(recipients), len(attachments))
    streams["__properties_version1.0"] = header + _fixed_properties(0, [(0x3FDE, 0x0003, 65001)])
    for i, (name, address, kind) in enumerate(recipients):
        prefix = f"__recip_version1.0_#{i:08X}/"
        string(prefix, 0x3001, name)
        string(prefix, 0x3003, address)
        string(prefix, 0x3002, "SMTP")
        string(prefix, 0x39FE, address)
        streams[prefix + "__properties_version1.0"] = _fixed_properties(8, [(0x0C15, 0x0003, kind), (0x3000, 0x0003, i)])
    for i, (file_name, data) in enumerate(attachments):
        prefix = f"__attach_version1.0_#{i:08X}/"
        string(prefix, 0x3707, file_name)
        string(prefix, 0x3704, file_name[:8])
        string(prefix, 0x3001, file_name)
        string(prefix, 0x370E, "application/octet-stream")
        streams[prefix + "__substg1.0_37010102"] = data
        streams[prefix + "__properties_version1.0"] = _fixed_properties(
            8, [(0x3705, 0x0003, 1), (0x0E20, 0x0003, len(data)), (0x0E21, 0x0003, i)])
    streams["__nameid_version1.0/__substg1.0_00020102"] = b""
    streams["__nameid_version1.0/__substg1.0_00030102"] = b""
    streams["__nameid_version1.0/__substg1.0_00040102"] = b""
    return cfb(streams, root_clsid=bytes.fromhex("0b0d020000000000c000000000000046"))
