"""Build the page's Hangul font: NanumGothic (SIL OFL 1.1) cut down to the Hangul the page shows.

The page must show Korean on a machine with no Korean font and no network, so it ships its own:
frontend/fonts/gdviz-hangul-{regular,bold}.woff2, served under /static like the rest of the page.
The subset holds every Hangul syllable in the page's own text (the catalogues, the lesson's
captions and ready questions) plus the 2,350 common syllables of KS X 1001, so a Korean name or a
question a teacher types shows too. The OFL's Reserved Font Names forbid "Nanum" on a modified
font, so the subset is renamed "gdviz Hangul".

Run again after adding Korean text with syllables outside that set:

    apt-get download fonts-nanum && dpkg -x fonts-nanum_*.deb nanum
    pip install fonttools brotli
    python tools/hangul_font.py nanum/usr/share/fonts/truetype/nanum
"""

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
FAMILY = "gdviz Hangul"
SOURCES = [*ROOT.glob("frontend/js/**/*.js"), *ROOT.glob("backend/gdviz/lessons/*.json")]
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
# CJK punctuation a Korean text may use, besides Hangul
EXTRA = "\u3001\u3002\u300c\u300d\u300e\u300f\u3008\u3009\u300a\u300b"
# the font-face's unicode-range in css/fonts.css: keep the two in step
UNICODE_RANGE = "U+1100-11FF, U+3000-303F, U+3130-318F, U+AC00-D7A3"


def page_hangul() -> set[str]:
    chars: set[str] = set()
    for path in SOURCES:
        chars.update(HANGUL.findall(path.read_text(encoding="utf-8")))
    return chars


def common_syllables() -> set[str]:
    """The 2,350 syllables of KS X 1001 (those EUC-KR can encode)."""
    out = set()
    for code in range(0xAC00, 0xD7A4):
        if len(chr(code).encode("euc-kr")) == 2:  # the rest are 8-byte jamo make-up sequences
            out.add(chr(code))
    return out


def build(source: Path, target: Path, style: str, text: str) -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # VTT hinting sources
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID in (2, 17):
            rec.string = style
        elif rec.nameID == 4:
            rec.string = f"{FAMILY} {style}"
        elif rec.nameID == 6:
            rec.string = f"gdvizHangul-{style}"
        elif rec.nameID == 3:
            rec.string = f"{FAMILY} {style}; subset of NanumGothic"
    font.flavor = "woff2"
    font.save(target)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")


def main(nanum_dir: str) -> None:
    chars = page_hangul() | common_syllables() | set(EXTRA)
    text = "".join(sorted(chars))
    out = ROOT / "frontend/fonts"
    out.mkdir(exist_ok=True)
    for style, file in (("Regular", "NanumGothic.ttf"), ("Bold", "NanumGothicBold.ttf")):
        build(Path(nanum_dir) / file, out / f"gdviz-hangul-{style.lower()}.woff2", style, text)
    print(f"{len(chars)} characters; page's own Hangul: {len(page_hangul())}")


if __name__ == "__main__":
    main(sys.argv[1])
