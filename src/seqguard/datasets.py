"""Real data sets for examples, tests and the demo, fetched the way scikit-learn and Keras do.

:func:`load_beijing_pm25` returns the Beijing PM2.5 data: hourly PM2.5 concentration
at the US embassy in Beijing with the weather at Beijing Capital International
Airport, 2010-01-01 to 2014-12-31 (43,824 rows, 2,067 missing PM2.5 readings).

It first looks for a local copy (the ``data_dir`` argument, else the folder named by
the ``SEQGUARD_DATA`` environment variable), then for a copy downloaded earlier into
the user cache (``cache_dir``, else ``SEQGUARD_CACHE``, else ``~/.cache/seqguard``),
and only then downloads the official archive from the UCI Machine Learning
Repository. A download is written to a temporary file and renamed into place only
after its columns and row count have been checked, so the cache never holds a half
or wrong file.

Attribution
-----------
UCI Machine Learning Repository, "Beijing PM2.5 Data",
https://archive.ics.uci.edu/dataset/381/beijing+pm2+5+data, licensed under
Creative Commons Attribution 4.0 (CC BY 4.0). Source paper: Liang, X., Zou, T.,
Guo, B., Li, S., Zhang, H., Zhang, S., Huang, H. and Chen, S. X. (2015).
"Assessing Beijing's PM2.5 pollution: severity, weather impact, APEC and winter
heating". Proceedings of the Royal Society A 471: 20150257.
Cite the source when you publish figures computed on these data.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd

from .errors import InputError

__all__ = [
    "BEIJING_COLUMNS",
    "BEIJING_FILENAME",
    "BEIJING_N_ROWS",
    "BEIJING_URL",
    "load_beijing_pm25",
]

_log = logging.getLogger(__name__)

#: The official archive of the UCI Machine Learning Repository (a zip holding the CSV).
BEIJING_URL = "https://archive.ics.uci.edu/static/public/381/beijing+pm2+5+data.zip"
#: Name of the CSV inside the archive.
BEIJING_FILENAME = "PRSA_data_2010.1.1-2014.12.31.csv"
#: Columns of the raw file, in order.
BEIJING_COLUMNS = ("No", "year", "month", "day", "hour", "pm2.5", "DEWP", "TEMP", "PRES",
                   "cbwd", "Iws", "Is", "Ir")
#: Rows of the raw file (hourly, 2010-01-01 00:00 to 2014-12-31 23:00).
BEIJING_N_ROWS = 43_824

_SUBDIR = "beijing_pm25"
# How to fix any failure: get the file by hand and point seqguard at it.
_HOWTO = (f"download {BEIJING_URL} yourself, unzip it, and set SEQGUARD_DATA (or pass "
          f"data_dir) to a folder holding {_SUBDIR}/{BEIJING_FILENAME} (or its .csv.gz).")
_FIX = _HOWTO[0].upper() + _HOWTO[1:]


def load_beijing_pm25(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    url: str = BEIJING_URL,
    as_path: bool = False,
    timeout: float = 60.0,
) -> pd.DataFrame | Path:
    """Load the Beijing PM2.5 data set (UCI), from a local copy, the cache or the web.

    The data: hourly PM2.5 (µg/m³) at the US embassy in Beijing and the weather
    (dew point ``DEWP``, temperature ``TEMP``, pressure ``PRES``, combined wind
    direction ``cbwd``, cumulated wind speed ``Iws``, hours of snow ``Is`` and of
    rain ``Ir``), 2010-01-01 to 2014-12-31, 43,824 rows; time is split into the
    columns ``year``, ``month``, ``day``, ``hour``. PM2.5 is missing in 2,067 rows.

    Places are tried in this order:

    1. the local data folder: ``data_dir``, else ``$SEQGUARD_DATA``. Inside it
       ``beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv.gz``, the same name without
       ``.gz``, or either file directly in the folder. ``data_dir`` may also be the
       file itself.
    2. the user cache: ``cache_dir``, else ``$SEQGUARD_CACHE``, else
       ``~/.cache/seqguard``; the file is ``beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv``.
    3. if ``download``: the archive at ``url`` is downloaded into the cache (a zip,
       a gzip file or the plain CSV are accepted), checked (the 13 expected columns
       and exactly 43,824 rows) and only then moved into place.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder holding a local copy (or the file itself). Default: ``$SEQGUARD_DATA``.
    download : bool, default True
        Download the file when no local or cached copy is found.
    cache_dir : str or path-like, optional
        Where downloads are kept. Default: ``$SEQGUARD_CACHE``, else ``~/.cache/seqguard``.
    url : str, default :data:`BEIJING_URL`
        Where to download from (the official UCI archive by default).
    as_path : bool, default False
        Return the path of the local or cached CSV instead of reading it.
    timeout : float, default 60.0
        Seconds to wait for the server before giving up.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        The raw file, unchanged (missing PM2.5 cells are NaN), or its path when
        ``as_path`` is true.

    Raises
    ------
    InputError
        ``data_dir`` does not exist; a local copy does not have the expected columns
        or rows; nothing was found and ``download`` is false; the download failed
        (the message names the URL) or gave a file that is not the data set (the bad
        file is deleted).

    Notes
    -----
    Attribution: UCI Machine Learning Repository, "Beijing PM2.5 Data"
    (https://archive.ics.uci.edu/dataset/381/beijing+pm2+5+data), CC BY 4.0.
    Liang, X. et al. (2015), "Assessing Beijing's PM2.5 pollution: severity, weather
    impact, APEC and winter heating", Proc. R. Soc. A 471: 20150257.

    Examples
    --------
    >>> from seqguard.datasets import load_beijing_pm25
    >>> df = load_beijing_pm25()                      # doctest: +SKIP
    >>> df.shape                                      # doctest: +SKIP
    (43824, 13)
    >>> load_beijing_pm25(download=False, as_path=True)  # doctest: +SKIP
    PosixPath('.../beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv.gz')
    """
    looked: list[str] = []
    path = _find_local(data_dir, looked)
    if path is not None:
        frame = _read_checked(path, origin="local copy")
        return path if as_path else frame

    cache = _cache_root(cache_dir) / _SUBDIR
    cached = cache / BEIJING_FILENAME
    looked.append(str(cached))
    if cached.is_file():
        try:
            frame = _read_checked(cached, origin="cached copy")
            return cached if as_path else frame
        except InputError as exc:
            # Our own cache holds a bad file (altered since it was checked): drop it.
            _log.warning("removing the invalid cached file %s", cached)
            cached.unlink(missing_ok=True)
            if not download:
                raise InputError(
                    f"{exc} The invalid cached file was deleted; call load_beijing_pm25 with "
                    "download=True to fetch a fresh copy."
                ) from exc

    if not download:
        raise InputError(
            "The Beijing PM2.5 data were not found (looked in: " + "; ".join(looked) + ") "
            "and download=False. Call load_beijing_pm25(download=True), or " + _HOWTO
        )

    frame = _download(url, cached, timeout=timeout)
    return cached if as_path else frame


# --------------------------------------------------------------------------- local
def _candidates(folder: Path) -> list[Path]:
    names = [BEIJING_FILENAME + ".gz", BEIJING_FILENAME]
    return [folder / _SUBDIR / n for n in names] + [folder / n for n in names]


def _find_local(data_dir: str | os.PathLike[str] | None, looked: list[str]) -> Path | None:
    if data_dir is not None:
        root = Path(data_dir).expanduser()
        if root.is_file():
            return root
        if not root.is_dir():
            raise InputError(
                f"The 'data_dir' argument of load_beijing_pm25 is {str(root)!r}, which is not "
                "a folder or a file. Pass the folder holding beijing_pm25/"
                f"{BEIJING_FILENAME}.gz, or data_dir=None to use SEQGUARD_DATA and the cache."
            )
    else:
        env = os.environ.get("SEQGUARD_DATA")
        if not env:
            looked.append("SEQGUARD_DATA (not set)")
            return None
        root = Path(env).expanduser()
        if root.is_file():
            return root
        if not root.is_dir():
            looked.append(f"SEQGUARD_DATA={env} (not a folder)")
            return None
    for path in _candidates(root):
        if path.is_file():
            return path
    looked.append(f"{root}{os.sep}[{_SUBDIR}{os.sep}]{BEIJING_FILENAME}[.gz]")
    return None


def _cache_root(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("SEQGUARD_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "seqguard"


def _problem(frame: pd.DataFrame) -> str | None:
    """Describe how ``frame`` differs from the raw Beijing file, or ``None``."""
    cols = [str(c) for c in frame.columns]
    if cols != list(BEIJING_COLUMNS):
        missing = [c for c in BEIJING_COLUMNS if c not in cols]
        extra = [c for c in cols if c not in BEIJING_COLUMNS]
        what = []
        if missing:
            what.append("missing " + ", ".join(repr(c) for c in missing[:5]))
        if extra:
            what.append("unexpected " + ", ".join(repr(c) for c in extra[:5]))
        if not what:
            what.append("the columns are in another order")
        return "its columns are not those of the Beijing PM2.5 file (" + "; ".join(what) + ")"
    if len(frame) != BEIJING_N_ROWS:
        return f"it has {len(frame):,} rows instead of {BEIJING_N_ROWS:,} (truncated or another file)"
    return None


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, EOFError, ValueError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({type(exc).__name__}: {exc}).") from exc


def _read_checked(path: Path, origin: str) -> pd.DataFrame:
    try:
        frame = _read(path)
    except InputError as exc:
        raise InputError(f"{exc} {_FIX}") from exc
    problem = _problem(frame)
    if problem is not None:
        raise InputError(f"{path}: this {origin} is not the Beijing PM2.5 data: {problem}. {_FIX}")
    return frame


# ------------------------------------------------------------------------ download
def _download(url: str, target: Path, *, timeout: float) -> pd.DataFrame:
    """Download ``url`` and put the checked CSV at ``target`` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _log.info("downloading the Beijing PM2.5 data from %s", url)
    archive = _temp_path(target.parent, ".download")
    csv_tmp = _temp_path(target.parent, ".csv.part")
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, \
                    open(archive, "wb") as out:
                shutil.copyfileobj(response, out, length=1 << 20)
                expected = response.headers.get("Content-Length")
                got = out.tell()
            # http.client returns a short body silently when the connection drops.
            if expected is not None and expected.isdigit() and got != int(expected):
                raise http.client.IncompleteRead(b"", int(expected) - got)
        except urllib.error.HTTPError as exc:
            raise InputError(
                f"Downloading the Beijing PM2.5 data from {url} failed: HTTP {exc.code} "
                f"{exc.reason}. Check the URL, or {_HOWTO}"
            ) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            # URLError and timeouts are OSErrors; ValueError: a malformed URL.
            reason = getattr(exc, "reason", None) or exc
            raise InputError(
                f"Downloading the Beijing PM2.5 data from {url} failed ({type(exc).__name__}: "
                f"{reason}). Check the network connection and try again, or "
                f"{_HOWTO}"
            ) from exc
        _extract(archive, csv_tmp, url)
        try:
            frame = pd.read_csv(csv_tmp)
        except (OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
            problem: str | None = f"it cannot be read as CSV ({type(exc).__name__}: {exc})"
        else:
            problem = _problem(frame)
        if problem is not None:
            raise InputError(
                f"The file downloaded from {url} is not the Beijing PM2.5 data: {problem}. "
                f"It was deleted. Check the URL (the official one is {BEIJING_URL}), or "
                f"{_HOWTO}"
            )
        os.replace(csv_tmp, target)
        _log.info("saved %s", target)
        return frame
    finally:
        archive.unlink(missing_ok=True)
        csv_tmp.unlink(missing_ok=True)


def _temp_path(folder: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


def _extract(archive: Path, out: Path, url: str) -> None:
    """Write the CSV held by ``archive`` (zip, gzip or plain) to ``out``."""
    with open(archive, "rb") as fh:
        magic = fh.read(4)
    if magic[:2] == b"PK":
        try:
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                wanted = [n for n in names if n.rsplit("/", 1)[-1] == BEIJING_FILENAME]
                if not wanted:
                    raise InputError(
                        f"The archive downloaded from {url} holds no {BEIJING_FILENAME} "
                        f"(it holds: {', '.join(names[:5]) or 'nothing'}). It was deleted. "
                        f"Check the URL, or {_HOWTO}"
                    )
                with zf.open(wanted[0]) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
        except zipfile.BadZipFile as exc:
            raise InputError(
                f"The archive downloaded from {url} is not a valid zip file ({exc}); the "
                f"download was probably cut short. It was deleted. Try again, or "
                f"{_HOWTO}"
            ) from exc
    elif magic[:2] == b"\x1f\x8b":
        try:
            with gzip.open(archive, "rb") as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, length=1 << 20)
        except (OSError, EOFError) as exc:
            raise InputError(
                f"The gzip file downloaded from {url} is damaged ({exc}). It was deleted. "
                f"Try again, or {_HOWTO}"
            ) from exc
    else:
        shutil.copyfile(archive, out)
