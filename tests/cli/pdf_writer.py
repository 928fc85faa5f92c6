"""Writes small PDFs by hand, with a correct cross-reference table, for what no Debian tool emits on
request: JavaScript run by an /OpenAction, launch actions, links. Used by test_pdf_rtf_html.py.

    python3 pdf_writer.py out.pdf   # writes the JavaScript sample
"""
import sys
import zlib


def build_pdf(objects, root=1, info=None):
    """`objects` maps object number -> body text (or (dict text, stream bytes)); returns the file."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        body = objects[number]
        out += b"%d 0 obj\n" % number
        if isinstance(body, tuple):
            head, data = body
            out += head.encode("latin-1") + b"\nstream\n" + data + b"\nendstream"
        else:
            out += body.encode("latin-1")
        out += b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    trailer = "<< /Size %d /Root %d 0 R%s >>" % (size, root, " /Info %d 0 R" % info if info else "")
    out += b"trailer\n" + trailer.encode() + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def javascript_pdf():
    content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    packed = zlib.compress(content)
    return build_pdf({
        1: "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [7 0 R] /AA << /O 9 0 R >> >>",
        4: ("<< /Length %d /Filter /FlateDecode >>" % len(packed), packed),
        5: "<< /Type /Action /S /JavaScript /JS 6 0 R >>",
        6: ("<< /Length 27 >>", b"app.alert('hello from js');"),
        7: "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (http://example.test/x) >> >>",
        9: "<< /S /J#61vaScript /JS (this.print\\({bUI: true}\\);) >>",
        8: "<< /Title (Hand made) /Author (Test \\(writer\\)) /CreationDate (D:20240102030405+01'00') >>",
    }, info=8)


def lzw_encode(data, early_change=1):
    """LZW as PDF's LZWDecode reads it: 9..12-bit codes, MSB first, 256 = clear, 257 = end."""
    table = {bytes([i]): i for i in range(256)}
    next_code, width, bits, nbits, out = 258, 9, 0, 0, bytearray()

    def put(code):
        nonlocal bits, nbits
        bits = (bits << width) | code
        nbits += width
        while nbits >= 8:
            out.append((bits >> (nbits - 8)) & 0xFF)
            nbits -= 8

    put(256)
    current = b""
    for byte in data:
        candidate = current + bytes([byte])
        if candidate in table:
            current = candidate
            continue
        put(table[current])
        if next_code < 4096:
            table[candidate] = next_code
            next_code += 1
        if next_code + early_change > (1 << width) and width < 12:
            width += 1
        if next_code >= 4096 - early_change:  # table full: start over
            put(256)
            table = {bytes([i]): i for i in range(256)}
            next_code, width = 258, 9
        current = bytes([byte])
    if current:
        put(table[current])
    put(257)
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


def png_up_rows(data, columns):
    """PNG 'Up' predictor rows (filter type 2) over `columns` bytes per row."""
    out, above = bytearray(), bytes(columns)
    for i in range(0, len(data), columns):
        row = data[i:i + columns].ljust(columns, b"\0")
        out += b"\x02" + bytes((row[k] - above[k]) & 0xFF for k in range(columns))
        above = row
    return bytes(out)


def filters_pdf(payloads):
    """A PDF whose streams use every filter Assay decodes; payloads maps object number -> plain bytes
    for objects 4 (ASCII85), 5 (ASCIIHex then RunLength), 6 (LZW), 7 (Flate with a PNG predictor),
    plus active content: a launch action (/AA), an XFA form and an embedded file (object 12)."""
    import base64
    a85 = base64.a85encode(payloads[4]) + b"~>"
    runs = b"".join(bytes([len(payloads[5][i:i + 100]) - 1]) + payloads[5][i:i + 100]
                    for i in range(0, len(payloads[5]), 100)) + b"\x80"
    lzw = lzw_encode(payloads[6])
    predicted = zlib.compress(png_up_rows(payloads[7], 8))
    return build_pdf({
        1: "<< /Type /Catalog /Pages 2 0 R /AA << /O 3 0 R >> /AcroForm << /XFA 4 0 R >> "
           "/Names << /EmbeddedFiles << /Names [(a.txt) 9 0 R] >> >> >>",
        2: "<< /Type /Pages /Count 0 /Kids [] >>",
        3: "<< /S /Launch /F (cmd.exe) >>",
        4: ("<< /Length %d /Filter /ASCII85Decode >>" % len(a85), a85),
        5: ("<< /Length %d /Filter [/ASCIIHexDecode /RunLengthDecode] >>" % (len(runs) * 2 + 1),
            runs.hex().encode() + b">"),
        6: ("<< /Length %d /Filter /LZWDecode >>" % len(lzw), lzw),
        7: ("<< /Length %d /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >> >>" % len(predicted),
            predicted),
        9: "<< /Type /Filespec /F (a.txt) /UF (a.txt) /EF << /F 12 0 R >> >>",
        12: ("<< /Type /EmbeddedFile /Length %d >>" % len(payloads[12]), payloads[12]),
    })


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        f.write(javascript_pdf())
