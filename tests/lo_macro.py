"""Run one Basic/VBA function of a document in LibreOffice and print what it returns.

Run with the system Python that has LibreOffice's bridge (Debian: python3-uno), not the venv:
    /usr/bin/python3 tests/lo_macro.py FILE PROFILE_DIR SCRIPT_URI...
Starts a private headless soffice, opens FILE with macros allowed, invokes each SCRIPT_URI
(e.g. vnd.sun.star.script:VBAProject.TiduRibbon.TiduSelfTest?language=Basic&location=document)
and prints each result on stdout as one line of JSON (results may hold line breaks).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


@contextlib.contextmanager
def office(profile: str, tag: str = "tidu"):
    """A private headless soffice (its own profile folder), connected over a pipe: yields its
    Desktop; terminated and waited for on the way out. Shared with bench/uno_recalc.py."""
    pipe = f"{tag}_{uuid.uuid4().hex}"
    soffice = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={Path(profile).resolve().as_uri()}", "--headless", "--invisible",
         "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        yield desktop
        with contextlib.suppress(Exception):  # the bridge drops as soffice exits
            desktop.terminate()
    finally:
        try:
            soffice.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soffice.kill()
            soffice.wait()


def main(path: str, profile: str, *script_uris: str) -> None:
    with office(profile) as desktop:
        # MacroExecutionMode 4 = ALWAYS_EXECUTE_NO_WARN: a test document we just built
        doc = desktop.loadComponentFromURL(Path(path).resolve().as_uri(), "_blank", 0,
                                           (_prop("Hidden", True), _prop("MacroExecutionMode", 4)))
        for uri in script_uris:
            result, _, _ = doc.getScriptProvider().getScript(uri).invoke((), (), ())
            print(json.dumps(result, ensure_ascii=False), flush=True)
        doc.close(True)


if __name__ == "__main__":
    os.environ.setdefault("HOME", "/tmp")
    main(*sys.argv[1:])
