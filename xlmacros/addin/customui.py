"""The ribbon's customUI XML, generated from ``buttons.BUTTONS``."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from tidu.xlmacros.addin.buttons import BUTTONS, GROUP_ID, GROUP_LABEL, TAB_ID, TAB_LABEL, Button

# The Office 2007 schema: the add-in also loads in old Excel versions that clerks still use.
NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"


def _button(b: Button) -> str:
    attrs = {"id": b.id, "label": b.label, "size": "large", "imageMso": b.image, "screentip": b.screentip,
             "supertip": b.supertip, "onAction": b.callback}
    return "<button " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>"


def customui_xml(buttons: tuple[Button, ...] = BUTTONS) -> str:
    body = "".join(f"\n        {_button(b)}" for b in buttons)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<customUI xmlns="{NAMESPACE}">\n'
            f"<ribbon><tabs><tab id={quoteattr(TAB_ID)} label={quoteattr(TAB_LABEL)}>"
            f"<group id={quoteattr(GROUP_ID)} label={quoteattr(GROUP_LABEL)}>{body}\n"
            "</group></tab></tabs></ribbon>\n</customUI>\n")
