"""A small TNEF (winmail.dat) writer for tests, after MS-OXTNEF.

Debian has TNEF readers (tnef, python3-tnefparse is not packaged) but no writer, so the tests build
their streams here and check them against the independent reader `tnef`. Only what the tests need:
message attributes (version, code page, class, body) and attachments given by attAttachTitle +
attAttachData, by PR_ATTACH_LONG_FILENAME (PT_UNICODE or PT_STRING8) in attAttachment, or with
their bytes in PR_ATTACH_DATA_OBJ (PT_BINARY) instead of attAttachData.
"""
import struct

SIGNATURE = 0x223E9F78
LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2

# Attribute ids: the attribute's type in the high word, its id in the low word.
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_BODY = 0x0002800C
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACHMENT = 0x00069005

PT_LONG, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x001E, 0x001F, 0x0102
PR_ATTACH_DATA_OBJ, PR_ATTACH_LONG_FILENAME, PR_ATTACH_METHOD = 0x3701, 0x3707, 0x3705
PR_ATTACH_MIME_TAG = 0x370E


def attribute(level, attr_id, data):
    return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def _padded(data):
    return data + b"\0" * (-len(data) % 4)


def prop_long(prop_id, value):
    return struct.pack("<HHI", PT_LONG, prop_id, value)


def prop_variable(prop_type, prop_id, data):
    return struct.pack("<HHII", prop_type, prop_id, 1, len(data)) + _padded(data)


def prop_unicode(prop_id, text):
    return prop_variable(PT_UNICODE, prop_id, text.encode("utf-16-le") + b"\0\0")


def prop_string8(prop_id, text, codepage="cp1252"):
    return prop_variable(PT_STRING8, prop_id, text.encode(codepage) + b"\0")


def mapi_block(props):
    return struct.pack("<I", len(props)) + b"".join(props)


def tnef_stream(attachments, body=None, key=0x0102):
    """attachments: dicts with 'data' and any of 'title' (8.3 name in cp1252), 'long_name'
    (PT_UNICODE), 'long_name8' (PT_STRING8), 'data_in_props' (bytes in PR_ATTACH_DATA_OBJ),
    'mime' (PR_ATTACH_MIME_TAG)."""
    out = struct.pack("<IH", SIGNATURE, key)
    out += attribute(LEVEL_MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(LEVEL_MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += attribute(LEVEL_MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\0")
    if body is not None:
        out += attribute(LEVEL_MESSAGE, ATT_BODY, body)
    for a in attachments:
        rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 0)
        out += attribute(LEVEL_ATTACHMENT, ATT_ATTACH_REND_DATA, rend)
        if "title" in a:
            out += attribute(LEVEL_ATTACHMENT, ATT_ATTACH_TITLE, a["title"].encode("cp1252") + b"\0")
        if not a.get("data_in_props"):
            out += attribute(LEVEL_ATTACHMENT, ATT_ATTACH_DATA, a["data"])
        props = [prop_long(PR_ATTACH_METHOD, 1)]
        if "long_name" in a:
            props.append(prop_unicode(PR_ATTACH_LONG_FILENAME, a["long_name"]))
        if "long_name8" in a:
            props.append(prop_string8(PR_ATTACH_LONG_FILENAME, a["long_name8"]))
        if "mime" in a:
            props.append(prop_string8(PR_ATTACH_MIME_TAG, a["mime"]))
        if a.get("data_in_props"):
            props.append(prop_variable(PT_BINARY, PR_ATTACH_DATA_OBJ, a["data"]))
        out += attribute(LEVEL_ATTACHMENT, ATT_ATTACHMENT, mapi_block(props))
    return out


if __name__ == "__main__":
    import sys

    sample = tnef_stream([{"title": "HELLO.TXT", "long_name": "hello world.txt", "data": b"hello\n"}], body=b"Hi\0")
    sys.stdout.buffer.write(sample)
