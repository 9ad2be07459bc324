"""The report in a real browser: headless Chromium renders every section and plot.

Chromium runs from the command line (no driver library needed): ``--dump-dom`` gives
the DOM after the page ran, ``--screenshot`` the picture. The report itself forbids
scripts (its Content Security Policy); this test opens a copy with that policy
relaxed and a small probe script added, which writes the rendered size of every
section and every plot, and any error the page raised, into the DOM. Console errors
are read from Chromium's log on stderr.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from report_helpers import Page, fit_forecast

from seqguard.report import report_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") \
    or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install -y chromium "
                             "chromium-driver); the browser test needs it")

_PROBE_HEAD = ("<script>window.__errors=[];window.addEventListener('error',"
               "function(e){window.__errors.push(String(e.message||e))});</script>")
_PROBE = """<script>
(function(){
  function box(el){var r=el.getBoundingClientRect();return [Math.round(r.width),Math.round(r.height)];}
  var out={sections:{},plots:{},errors:window.__errors,width:document.documentElement.scrollWidth,
             viewport:window.innerWidth};
  document.querySelectorAll('section[data-section]').forEach(function(s){out.sections[s.id]=box(s);});
  document.querySelectorAll('figure[data-plot]').forEach(function(f){
    var svg=f.querySelector('svg');out.plots[f.dataset.plot]=svg?box(svg):[0,0];});
  var pre=document.createElement('pre');pre.id='sg-probe';pre.textContent=JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _chromium(tmp_path, *args: str, timeout: int = 90) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-extensions", "--no-first-run",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def _console_errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines()
            if "CONSOLE" in ln and ("error" in ln.lower() or "Uncaught" in ln)]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    est, df = fit_forecast(root / "run")
    html = report_html(root / "run", data=df, estimator=est)
    path = root / "report.html"
    path.write_text(html, encoding="utf-8")
    return root, path, html


def test_report_renders_in_chromium(report, tmp_path):
    root, _, html = report
    probe = root / "probe.html"
    relaxed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)
    relaxed = relaxed.replace("<head>", "<head>" + _PROBE_HEAD, 1).replace(
        "</body>", _PROBE + "</body>", 1)
    probe.write_text(relaxed, encoding="utf-8")
    expected_plots = set(Page(html).plots)
    assert len(expected_plots) >= 8
    for width in (1200, 400):  # a desktop window and a phone-sized one
        done = _chromium(tmp_path, f"--window-size={width},3000", "--dump-dom", probe.as_uri())
        assert done.returncode == 0, done.stderr[-2000:]
        found = re.search(r'<pre id="sg-probe">(.*?)</pre>', done.stdout, flags=re.DOTALL)
        assert found, done.stdout[-2000:]
        sizes = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        assert sizes["errors"] == [] and _console_errors(done.stderr) == []
        assert list(sizes["sections"]) == ["data", "pipeline", "training", "results",
                                           "diagnosis"]
        assert all(w > 200 and h > 40 for w, h in sizes["sections"].values()), sizes
        assert set(sizes["plots"]) == expected_plots
        small = {k: v for k, v in sizes["plots"].items() if not (v[0] > 200 and v[1] > 80)}
        assert not small, small
        # no sideways scrolling: wide tables scroll inside their own box (Chromium may
        # widen a very narrow window to its minimum, hence the viewport's own width)
        assert sizes["width"] <= sizes["viewport"] <= max(width, 520), sizes


def test_report_screenshot_and_narrow_window(report, tmp_path):
    _, path, _ = report
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    for name, size in (("report-wide.png", "1200,3000"), ("report-narrow.png", "400,3000")):
        shot = artifacts / name
        done = _chromium(tmp_path, f"--window-size={size}", f"--screenshot={shot}",
                         path.as_uri())
        assert done.returncode == 0 and shot.stat().st_size > 10_000, done.stderr[-2000:]
        assert _console_errors(done.stderr) == []  # the unmodified page, CSP and all
        print(f"screenshot: {shot}")
