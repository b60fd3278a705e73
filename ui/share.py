"""Share what is on screen with a class: a page's settings in its web address, and a QR code of it.

A teacher sets a page up on the projector; thirty students scan the code (or type the link) and
their page opens in exactly that state, theirs to change from there. Each page lists the settings
a teacher would set up (:class:`Setting`: its name in the address, its widget, how it is written
and read back); the page's widgets take their values from ``st.session_state`` (never an explicit
default of their own), so that :func:`open_shared` can seed them before they are made, and
:func:`keep_in_address` writes the settings that differ from their defaults back into the address
bar after every run, so the address always says what the page shows.

An address is untrusted input: a value that cannot be read (an unknown preset, text where a number
belongs, a grid of 10,000 cells, a 100 KB parameter) is left out and the page opens in its default
state for it, with one plain notice. Nothing from an address is ever run or decoded beyond
:data:`MAX_VALUE_CHARACTERS` characters.

A visitor's uploads are never in an address: their photos stay theirs.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from ui.site import PAGES, Page

MAX_VALUE_CHARACTERS = 2_000
"""The longest value read from an address; a longer one is refused unread."""
SAFE = "-._~/"
"""Characters an address carries as they are, so that a link stays short (RFC 3986)."""
QR_SCALE = 10
"""Pixels per module of the QR code: about 4 cm on a projector screen per 40 modules."""


@dataclass(frozen=True)
class Setting:
    """One setting a page can share: its ``name`` in the address, the session-state ``key`` of the
    widget that shows it, its ``default``, and how its value is written to text and read back
    (``read`` raises ValueError on anything it cannot use). A setting without ``write`` is only read
    from the address, to seed the page (a typed grid's starting cells): the page writes what it
    shows now itself, through :func:`current`'s ``extra``. A number's ``low`` and ``high`` are its
    widget's too, so the page and the address agree on what a value may be."""

    name: str
    key: str
    default: Any
    write: Callable[[Any], str] | None
    read: Callable[[str], Any]
    low: Any = None
    high: Any = None

    def widget(self, make: Callable[..., Any], label: str, **kwargs) -> Any:
        """This setting's widget, made by ``make`` (a number input or slider, from any container),
        within the setting's bounds and under its key: ``STRIDE.widget(column.number_input, "Stride")``."""
        return make(label, self.low, self.high, key=self.key, **kwargs)


def seed(name: str, key: str, read: Callable[[str], Any]) -> Setting:
    """A setting only read from the address (its default None), see :class:`Setting`."""
    return Setting(name, key, None, None, read)


def choice(name: str, key: str, options: list, default: Any = None) -> Setting:
    """A setting that is one of ``options`` (written as its text)."""
    return Setting(name, key, options[0] if default is None else default, str, reads_choice(options))


def reads_choice(options: list) -> Callable[[str], Any]:
    """How a :func:`choice` reads one of ``options`` from its text."""
    by_text = {str(option): option for option in options}

    def read(text: str) -> Any:
        if text not in by_text:
            raise ValueError(f"{text[:30]!r} is not one of the choices")
        return by_text[text]

    return read


def several(name: str, key: str, options: list[str], default: list[str]) -> Setting:
    """A setting that is some of ``options``, written as their positions (``0.5.17``: short, whatever
    the options' names)."""
    where = {option: str(i) for i, option in enumerate(options)}

    def read(text: str) -> list[str]:
        picked = text.split(".") if text else []
        if len(picked) > len(options) or not all(p.isascii() and p.isdigit() and int(p) < len(options) for p in picked):
            raise ValueError(f"{text[:30]!r} does not name some of the {len(options)} choices")
        return [options[int(p)] for p in dict.fromkeys(picked)]

    return Setting(name, key, default, lambda chosen: ".".join(where[c] for c in chosen if c in where), read)


def whole_number(name: str, key: str, low: int, high: int, default: int) -> Setting:
    """A setting that is a whole number from ``low`` to ``high``."""
    return Setting(name, key, default, str, reads_whole_number(low, high), low, high)


def reads_whole_number(low: int, high: int) -> Callable[[str], int]:
    """How a :func:`whole_number` reads its text: ASCII digits only, from ``low`` to ``high``."""

    def read(text: str) -> int:
        if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()) or not low <= int(text) <= high:
            raise ValueError(f"{text[:30]!r} is not a whole number from {low} to {high}")
        return int(text)

    return read


def number(name: str, key: str, low: float, high: float, default: float) -> Setting:
    """A setting that is a number from ``low`` to ``high``."""

    def read(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{text[:30]!r} is not a number") from None
        if not low <= value <= high:
            raise ValueError(f"{text[:30]!r} is not from {low:g} to {high:g}")
        return value

    return Setting(name, key, default, lambda value: f"{value:g}", read, low, high)


def switch(name: str, key: str, default: bool) -> Setting:
    """A setting that is on (1) or off (0)."""
    return Setting(name, key, default, lambda on: "1" if on else "0", _switch)


def _switch(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"{text[:30]!r} is not 1 (on) or 0 (off)")
    return text == "1"


def open_shared(page: Page, settings: list[Setting]) -> None:
    """At a visitor's first run of ``page`` in this session: every setting's widget value from the
    address where it can be read, its default otherwise, and one notice naming what could not be
    used. Later runs only make sure every setting has a value (its default if it has none)."""
    opened = st.session_state.setdefault("share_opened", set())
    if page.path not in opened:
        opened.add(page.path)
        problems = []
        for setting in settings:
            if setting.name in st.query_params:
                try:
                    st.session_state[setting.key] = read_value(setting, st.query_params[setting.name])
                except ValueError as err:
                    problems.append(f"{setting.name}: {err}")
        unknown = sorted(set(st.query_params) - {s.name for s in settings})
        problems += [f"{name[:30]}: not a setting of this page" for name in unknown]
        if problems:
            st.session_state[_notice_key(page)] = problems
    for setting in settings:
        st.session_state.setdefault(setting.key, setting.default)
    notice = st.session_state.pop(_notice_key(page), None)
    if notice:
        st.info(
            "Some settings in this link could not be used, so the page opened with its usual ones for them: "
            + "; ".join(notice[:5])
            + ("; ..." if len(notice) > 5 else "")
            + ".",
            icon="🔗",
        )


def read_value(setting: Setting, text: str) -> Any:
    if len(text) > MAX_VALUE_CHARACTERS:
        raise ValueError(f"its value is {len(text):,} characters long")
    return setting.read(text)


def _notice_key(page: Page) -> str:
    return f"share_notice_{page.path}"


def current(settings: list[Setting], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings that differ from their defaults, as the address writes them, then ``extra``."""
    values = {
        s.name: s.write(st.session_state[s.key])
        for s in settings
        if s.write is not None and st.session_state.get(s.key) != s.default
    }
    return {**values, **(extra or {})}


def keep_in_address(params: dict[str, str]) -> None:
    """Make the address bar say ``params`` (only when it says something else: each change is a
    message to the browser)."""
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def link(page: Page, params: Mapping[str, str], base: str | None = None) -> str:
    """The address that opens ``page`` with ``params``, on the server this visitor reached (``base``:
    the address this visitor's browser shows, by default).

    >>> from ui.site import FEATURE_MAPS, PLAYGROUND
    >>> link(PLAYGROUND, {"stride": "2", "pic": "1~0_0~1"}, base="http://10.0.0.5:8501/Feature_maps?layer=x")
    'http://10.0.0.5:8501/Convolution_and_pooling?stride=2&pic=1~0_0~1'
    >>> link(FEATURE_MAPS, {}, base="https://school.example/cnn/")
    'https://school.example/cnn/Feature_maps'
    """
    parts = urlsplit(base or st.context.url or "http://localhost:8501/")
    root = f"{parts.scheme}://{parts.netloc}{_app_root(parts.path, page)}"
    query = urlencode(params, safe=SAFE)
    return root + page.url_path + (f"?{query}" if query else "")


def _app_root(path: str, page: Page) -> str:
    """The path the app is served under (``/`` unless behind a proxy's prefix)."""
    for known in PAGES:
        if known.url_path and path.rstrip("/").endswith("/" + known.url_path):
            return path.rstrip("/")[: -len(known.url_path)]
    return path if path.endswith("/") else path + "/"


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as a PNG, the smallest version that holds it (error correction raised
    as far as that version allows)."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=QR_SCALE, border=4)
    return out.getvalue()


def qr_version(text: str) -> int:
    """The QR version (1 to 40: 21 to 177 modules a side) :func:`qr_png` makes for ``text``."""
    return _qr(text).version


def _qr(text: str):
    import segno

    return segno.make(text, error="l", boost_error=True, micro=False)


def share_button(page: Page, params: Callable[[], Mapping[str, str]]) -> None:
    """'Share with the class' in the sidebar: on click, a window with the link to the page as it is
    at that moment (``params()``, read then) and a QR code of it, large enough for a lecture hall."""
    if st.sidebar.button(
        "Share with the class",
        icon="📲",
        key=f"share_{page.url_path or 'home'}",
        help="A link and a QR code that open this page as it is now",
    ):
        _share_window(link(page, params()))


@st.dialog("Share with the class", width="large")
def _share_window(url: str) -> None:
    st.markdown(
        "Students who scan this code with a phone, or open this link, see this page **as it is now**, and can "
        "change it from there: their changes stay theirs."
    )
    st.image(qr_png(url), alt=f"QR code that opens this page as it is now: {url}", width=420)
    st.code(url, language=None, wrap_lines=True)
