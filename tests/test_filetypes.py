import gzip
import io
import tarfile
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.filetypes import sniff_file_type


def _tar(fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        info = tarfile.TarInfo("PAR1.txt")  # a member name that starts like Parquet
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_containers_and_compression():
    assert sniff_file_type(_zip({"a.txt": b"hi"})) == "zip"
    assert sniff_file_type(_zip({})) == "zip"  # an empty zip is only its end record
    assert sniff_file_type(gzip.compress(b"text\nhi\n")) == "gzip"
    assert sniff_file_type(_tar(tarfile.USTAR_FORMAT)[:512]) == "tar"
    assert sniff_file_type(_tar(tarfile.GNU_FORMAT)[:512]) == "tar"


def test_parquet_and_other_binary_files():
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["mustard " * 100]}), buf)  # "ustar" inside, not a tar
    assert sniff_file_type(buf.getvalue()[:512]) == "parquet"
    for head in (b"\x89PNG\r\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"%PDF-1.7", b"\x7fELF", b"BZh91",
                 b"\xfd7zXZ\x00", b"SQLite format 3\x00"):
        assert sniff_file_type(head) == "binary", head


def test_text_is_none():
    for head in (b"", b"id,text\n1,hi\n", b'{"text": "hi"}\n', b"\xef\xbb\xbftext\n", b"PK"):
        assert sniff_file_type(head) is None, head
