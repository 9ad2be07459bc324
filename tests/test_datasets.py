"""load_beijing_pm25: local copies, the cache, and downloads from a local HTTP server."""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from seqguard.datasets import (
    BEIJING_COLUMNS,
    BEIJING_FILENAME,
    BEIJING_N_ROWS,
    load_beijing_pm25,
)
from seqguard.errors import InputError


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's SEQGUARD_DATA / cache; HOME points to an empty folder."""
    monkeypatch.delenv("SEQGUARD_DATA", raising=False)
    monkeypatch.delenv("SEQGUARD_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def raw_csv(tmp_path_factory: pytest.TempPathFactory, beijing_path: Path) -> Path:
    """The uncompressed CSV, generated from the shared .gz at test time."""
    out = tmp_path_factory.mktemp("raw") / BEIJING_FILENAME
    with gzip.open(beijing_path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


@pytest.fixture(scope="module")
def expected(beijing_path: Path) -> pd.DataFrame:
    return pd.read_csv(beijing_path)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Truncating(_Quiet):
    """Announces the whole file but closes the connection after 1,000 bytes."""

    def do_GET(self) -> None:
        body = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:1000])
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    """Start a server on 127.0.0.1 (port 0) for a folder; returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path, handler: type = _Quiet) -> str:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _zip(folder: Path, csv_bytes: bytes, member: str = BEIJING_FILENAME) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "beijing+pm2+5+data.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, csv_bytes)
    return path


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# ------------------------------------------------------------------------ local copies
def test_local_copy_via_data_dir(tmp_path: Path, beijing_path: Path,
                                 expected: pd.DataFrame) -> None:
    (tmp_path / "data" / "beijing_pm25").mkdir(parents=True)
    local = tmp_path / "data" / "beijing_pm25" / (BEIJING_FILENAME + ".gz")
    shutil.copyfile(beijing_path, local)
    df = load_beijing_pm25(tmp_path / "data", download=False)
    assert list(df.columns) == list(BEIJING_COLUMNS)
    assert df.shape == (BEIJING_N_ROWS, 13)
    assert int(df["pm2.5"].isna().sum()) == 2067
    pd.testing.assert_frame_equal(df, expected)
    assert load_beijing_pm25(str(tmp_path / "data"), download=False, as_path=True) == local


def test_local_copy_via_env(tmp_path: Path, beijing_path: Path,
                            monkeypatch: pytest.MonkeyPatch, expected: pd.DataFrame) -> None:
    (tmp_path / "env" / "beijing_pm25").mkdir(parents=True)
    shutil.copyfile(beijing_path, tmp_path / "env" / "beijing_pm25" / (BEIJING_FILENAME + ".gz"))
    monkeypatch.setenv("SEQGUARD_DATA", str(tmp_path / "env"))
    df = load_beijing_pm25(download=False)
    pd.testing.assert_frame_equal(df, expected)


def test_uncompressed_file_directly_in_folder(tmp_path: Path, raw_csv: Path,
                                              expected: pd.DataFrame) -> None:
    (tmp_path / "flat").mkdir()
    shutil.copyfile(raw_csv, tmp_path / "flat" / BEIJING_FILENAME)
    path = load_beijing_pm25(tmp_path / "flat", download=False, as_path=True)
    assert path == tmp_path / "flat" / BEIJING_FILENAME
    pd.testing.assert_frame_equal(load_beijing_pm25(path, download=False), expected)


def test_data_dir_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"The 'data_dir' argument of load_beijing_pm25 is "
                                         r"'.*nowhere', which is not a folder or a file"):
        load_beijing_pm25(tmp_path / "nowhere")


def test_wrong_local_file_is_reported_not_deleted(tmp_path: Path, raw_csv: Path) -> None:
    (tmp_path / "d").mkdir()
    bad = tmp_path / "d" / BEIJING_FILENAME
    bad.write_text("".join(raw_csv.read_text().splitlines(keepends=True)[:101]))
    with pytest.raises(InputError, match=r"this local copy is not the Beijing PM2.5 data: it "
                                         r"has 100 rows instead of 43,824.*SEQGUARD_DATA"):
        load_beijing_pm25(tmp_path / "d", download=False)
    assert bad.is_file()  # the user's file is theirs: reported, never deleted


def test_nothing_found_without_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("SEQGUARD_CACHE", str(tmp_path / "cache"))
    with pytest.raises(InputError) as info:
        load_beijing_pm25(tmp_path / "empty", download=False)
    msg = str(info.value)
    assert "The Beijing PM2.5 data were not found (looked in: " in msg
    assert str(tmp_path / "empty") in msg
    assert str(tmp_path / "cache" / "beijing_pm25" / BEIJING_FILENAME) in msg
    assert "download=False" in msg and "set SEQGUARD_DATA" in msg
    assert not (tmp_path / "cache").exists()


def test_nothing_found_env_unset_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"looked in: SEQGUARD_DATA \(not set\); .*home"):
        load_beijing_pm25(download=False)


# --------------------------------------------------------------------------- download
def test_download_zip_then_cache(tmp_path: Path, raw_csv: Path, serve,
                                 expected: pd.DataFrame) -> None:
    zpath = _zip(tmp_path / "www", raw_csv.read_bytes())
    url = serve(zpath.parent) + "/" + zpath.name
    cache = tmp_path / "cache"
    df = load_beijing_pm25(cache_dir=cache, url=url)
    pd.testing.assert_frame_equal(df, expected)
    assert _files(cache) == [f"beijing_pm25/{BEIJING_FILENAME}"]  # no temp file left
    assert (cache / "beijing_pm25" / BEIJING_FILENAME).read_bytes() == raw_csv.read_bytes()
    # Second call: served from the cache, no server needed.
    zpath.unlink()
    path = load_beijing_pm25(cache_dir=cache, url=url, download=False, as_path=True)
    assert path == cache / "beijing_pm25" / BEIJING_FILENAME
    pd.testing.assert_frame_equal(load_beijing_pm25(cache_dir=cache, url=url), expected)


def test_download_into_seqguard_cache_env(tmp_path: Path, raw_csv: Path, serve,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "www").mkdir()
    shutil.copyfile(raw_csv, tmp_path / "www" / BEIJING_FILENAME)  # plain CSV served
    monkeypatch.setenv("SEQGUARD_CACHE", str(tmp_path / "envcache"))
    path = load_beijing_pm25(url=serve(tmp_path / "www") + "/" + BEIJING_FILENAME, as_path=True)
    assert path == tmp_path / "envcache" / "beijing_pm25" / BEIJING_FILENAME
    assert path.read_bytes() == raw_csv.read_bytes()


def test_default_cache_is_home_dot_cache(tmp_path: Path, raw_csv: Path, serve) -> None:
    zpath = _zip(tmp_path / "www", raw_csv.read_bytes(), member="sub/" + BEIJING_FILENAME)
    path = load_beijing_pm25(url=serve(zpath.parent) + "/" + zpath.name, as_path=True)
    assert path == tmp_path / "home" / ".cache" / "seqguard" / "beijing_pm25" / BEIJING_FILENAME


def test_truncated_download_rejected_and_cache_left_clean(tmp_path: Path, raw_csv: Path,
                                                          serve) -> None:
    head = "".join(raw_csv.read_text().splitlines(keepends=True)[:101])
    zpath = _zip(tmp_path / "www", head.encode())
    url = serve(zpath.parent) + "/" + zpath.name
    cache = tmp_path / "cache"
    with pytest.raises(InputError) as info:
        load_beijing_pm25(cache_dir=cache, url=url)
    msg = str(info.value)
    assert msg.startswith(f"The file downloaded from {url} is not the Beijing PM2.5 data: "
                          "it has 100 rows instead of 43,824 (truncated or another file). "
                          "It was deleted.")
    assert "set SEQGUARD_DATA" in msg
    assert _files(cache) == []


def test_wrong_columns_rejected(tmp_path: Path, serve) -> None:
    zpath = _zip(tmp_path / "www", b"a,b\n1,2\n")
    with pytest.raises(InputError, match=r"its columns are not those of the Beijing PM2.5 file "
                                         r"\(missing 'No', 'year', .*; unexpected 'a', 'b'\)"):
        load_beijing_pm25(cache_dir=tmp_path / "cache", url=serve(zpath.parent) + "/" + zpath.name)
    assert _files(tmp_path / "cache") == []


def test_zip_without_the_csv(tmp_path: Path, serve) -> None:
    zpath = _zip(tmp_path / "www", b"hello", member="notes.txt")
    with pytest.raises(InputError, match=rf"holds no {BEIJING_FILENAME.replace('.', '[.]')} "
                                         r"\(it holds: notes.txt\)"):
        load_beijing_pm25(cache_dir=tmp_path / "cache", url=serve(zpath.parent) + "/" + zpath.name)
    assert _files(tmp_path / "cache") == []


def test_connection_cut_mid_download_leaves_nothing(tmp_path: Path, raw_csv: Path,
                                                    serve) -> None:
    zpath = _zip(tmp_path / "www", raw_csv.read_bytes())
    url = serve(zpath.parent, _Truncating) + "/" + zpath.name
    with pytest.raises(InputError, match=r"Downloading the Beijing PM2.5 data from "
                                         r"http://127.0.0.1:\d+/beijing\+pm2\+5\+data.zip failed "
                                         r"\(IncompleteRead"):
        load_beijing_pm25(cache_dir=tmp_path / "cache", url=url)
    assert _files(tmp_path / "cache") == []


def test_http_404_names_the_url(tmp_path: Path, serve) -> None:
    (tmp_path / "www").mkdir()
    url = serve(tmp_path / "www") + "/missing.zip"
    with pytest.raises(InputError, match=rf"from {url} failed: HTTP 404 .*Check the URL, or "
                                         r"download .* yourself"):
        load_beijing_pm25(cache_dir=tmp_path / "cache", url=url)
    assert _files(tmp_path / "cache") == []


def test_corrupt_cached_file_is_replaced(tmp_path: Path, raw_csv: Path, serve,
                                         expected: pd.DataFrame) -> None:
    cached = tmp_path / "cache" / "beijing_pm25" / BEIJING_FILENAME
    cached.parent.mkdir(parents=True)
    cached.write_text("No,year\n1,2010\n")
    zpath = _zip(tmp_path / "www", raw_csv.read_bytes())
    df = load_beijing_pm25(cache_dir=tmp_path / "cache",
                           url=serve(zpath.parent) + "/" + zpath.name)
    pd.testing.assert_frame_equal(df, expected)
    assert cached.read_bytes() == raw_csv.read_bytes()


class _Slow(_Quiet):
    def do_GET(self) -> None:
        time.sleep(2)


def test_timeout_names_the_url(tmp_path: Path, serve) -> None:
    (tmp_path / "www").mkdir()
    url = serve(tmp_path / "www", _Slow) + "/x.zip"
    with pytest.raises(InputError, match=rf"from {url} failed \(.*timed out\)\. Check the "
                                         r"network connection and try again"):
        load_beijing_pm25(cache_dir=tmp_path / "cache", url=url, timeout=0.2)
    assert _files(tmp_path / "cache") == []


def test_corrupt_cached_file_without_download(tmp_path: Path) -> None:
    cached = tmp_path / "cache" / "beijing_pm25" / BEIJING_FILENAME
    cached.parent.mkdir(parents=True)
    cached.write_text("No,year\n1,2010\n")
    with pytest.raises(InputError, match=r"this cached copy is not the Beijing PM2.5 data: .*"
                                         r"The invalid cached file was deleted"):
        load_beijing_pm25(cache_dir=tmp_path / "cache", download=False)
    assert not cached.exists()
