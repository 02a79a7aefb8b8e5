"""A CJK font for matplotlib (report maps, the sweep plot): the first installed of the usual
families (Noto Sans CJK, Source Han Sans, WenQuanYi, ...), registered with matplotlib if it was
installed after matplotlib built its font cache; None without one (Chinese text would show as
boxes, and the callers say so). A base module: it imports nothing from solver."""

from __future__ import annotations

from pathlib import Path

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC",
                "Noto Sans SC", "AR PL UMing CN")
CJK_FILE_HINTS = ("notosanscjk", "sourcehansans", "wqy", "droidsansfallback", "simhei", "msyh", "pingfang",
                  "notosanssc", "uming")
_FONT: list[str | None] = []  # cache: [family or None]


def cjk_font() -> str | None:
    """The family name of an installed CJK font (registered with matplotlib), or None."""
    if _FONT:
        return _FONT[0]
    from matplotlib import font_manager as fm

    def known() -> str | None:
        names = {f.name for f in fm.fontManager.ttflist}
        return next((f for f in CJK_FAMILIES if f in names), None)

    family = known()
    if family is None:  # installed after matplotlib built its font cache: register the files
        for path in sorted(fm.findSystemFonts()):
            if any(h in Path(path).name.lower().replace("-", "").replace("_", "") for h in CJK_FILE_HINTS):
                try:
                    fm.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        family = known()
    _FONT.append(family)
    return family
