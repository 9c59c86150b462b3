"""Name keys that let Uzbek Cyrillic, Uzbek Latin and English spellings of one name meet.

The same person or company reaches the two administrations spelt in different scripts: «Жўраев»
in an Uzbek declaration, "Jo'rayev" in an Uzbek Latin register and "Zhuraev" in a US visa file.
`normalise_name` maps all of them to one matching key by transliterating to a Latin skeleton and
then folding the spelling differences that transliteration conventions (Uzbek 1995 Latin,
Russian-style English) are known to produce. The folding is deliberately coarse: a key match is a
candidate for a human to confirm, never a confirmed link, and `name_similarity` ranks near misses.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

__all__ = [
    "NAME_KEY_MAX_LENGTH",
    "name_similarity",
    "names_match",
    "normalise_name",
    "to_cyrillic",
    "to_latin",
]

# Matches the length of the indexed `name_key` column.
NAME_KEY_MAX_LENGTH = 300

_OKINA = "\u02bb"  # ʻ in oʻ and gʻ, as prescribed by the Uzbek Latin alphabet
_TUTUQ = "\u02bc"  # ʼ, the Latin spelling of the hard sign ъ
# Every character that people type for oʻ, gʻ and the tutuq belgisi.
_APOSTROPHES = "'`\u02bb\u02bc\u2018\u2019\u00b4\u2032\u02b9\u02bd"

# --- Cyrillic -> Latin ------------------------------------------------------------------------

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ч": "ch", "ш": "sh",
    "ъ": _TUTUQ, "э": "e", "ю": "yu", "я": "ya", "ў": "o" + _OKINA, "қ": "q",
    "ғ": "g" + _OKINA, "ҳ": "h",
    # Russian letters, which appear in names registered in Russian Cyrillic.
    "щ": "shch", "ы": "i", "ь": "",
}  # fmt: skip
_CYRILLIC_VOWELS = frozenset("аеёиоуўэюяы")


def _is_cyrillic_letter(ch: str) -> bool:
    return ch.lower() in _CYRILLIC_TO_LATIN or ch.lower() in "ец"


def _contextual_latin(lower: str, previous: str) -> str:
    # е reads "ye" at the start of a word and after vowels or signs; ц reads "ts" only after a
    # vowel (the 1995 orthography rules).
    after_vowel = previous in _CYRILLIC_VOWELS or previous in "ъь"
    if lower == "е":
        return "ye" if not previous.isalpha() or after_vowel else "e"
    if lower == "ц":
        return "ts" if previous in _CYRILLIC_VOWELS else "s"
    return _CYRILLIC_TO_LATIN[lower]


def _latin_case(latin: str, text: str, index: int) -> str:
    # An upper-case letter inside an all-caps word becomes "SH", elsewhere "Sh".
    following = text[index + 1] if index + 1 < len(text) else ""
    preceding = text[index - 1] if index > 0 else ""
    if following.isupper() or (not following.isalpha() and preceding.isupper()):
        return latin.upper()
    return latin[:1].upper() + latin[1:]


def to_latin(cyrillic: str) -> str:
    """Uzbek Cyrillic (and Russian Cyrillic) to the Uzbek Latin alphabet of 1995."""
    out: list[str] = []
    for index, ch in enumerate(cyrillic):
        if not _is_cyrillic_letter(ch):
            out.append(ch)
            continue
        lower = ch.lower()
        previous = cyrillic[index - 1].lower() if index > 0 else ""
        latin = _contextual_latin(lower, previous)
        if ch.isupper():
            latin = _latin_case(latin, cyrillic, index)
        if lower == "ҳ" and previous == "с":
            # Without the separator "сҳ" would read back as the single letter ш.
            latin = _TUTUQ + latin
        out.append(latin)
    return "".join(out)


# --- Latin -> Cyrillic ------------------------------------------------------------------------

_LATIN_TO_CYRILLIC = {
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "ҳ", "i": "и",
    "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р",
    "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "х", "y": "й", "z": "з",
}  # fmt: skip
_LATIN_DIGRAPHS = {"sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я"}


def _is_apostrophe(ch: str) -> bool:
    return ch != "" and ch in _APOSTROPHES


def _latin_token(text: str, i: int, previous: str) -> tuple[str, int]:
    """The Cyrillic for the Latin letter(s) at text[i] and how many characters they used."""
    lower = text[i].lower()
    pair = text[i : i + 2].lower()
    after = text[i + 2 : i + 3]
    word_start = not previous.isalpha()
    after_vowel = previous in _CYRILLIC_VOWELS
    if lower in "og" and _is_apostrophe(text[i + 1 : i + 2]):
        return ("ў" if lower == "o" else "ғ"), 2
    if pair == "ye":
        return ("е" if word_start or after_vowel else "ье"), 2
    if pair == "ts" and after_vowel:
        return "ц", 2
    if pair in _LATIN_DIGRAPHS and not (pair == "yo" and _is_apostrophe(after)):
        return _LATIN_DIGRAPHS[pair], 2
    if lower == "e":
        return ("э" if word_start or after_vowel else "е"), 1
    return _LATIN_TO_CYRILLIC[lower], 1


def _apostrophe_to_cyrillic(text: str, i: int) -> str:
    # Between s/c and h it only separates letters ("Isʼhoq"); elsewhere it is the hard sign.
    before = text[i - 1 : i].lower()
    after = text[i + 1 : i + 2].lower()
    return "" if before in ("s", "c") and after == "h" else "ъ"


def to_cyrillic(latin: str) -> str:
    """Uzbek Latin to Uzbek Cyrillic; characters that are not Uzbek Latin letters pass through."""
    out: list[str] = []
    i = 0
    while i < len(latin):
        ch = latin[i]
        previous = out[-1][-1:].lower() if out else ""
        if _is_apostrophe(ch):
            out.append(_apostrophe_to_cyrillic(latin, i))
            i += 1
        elif ch.lower() in _LATIN_TO_CYRILLIC:
            cyrillic, used = _latin_token(latin, i, previous)
            out.append(cyrillic[0].upper() + cyrillic[1:] if ch.isupper() else cyrillic)
            i += used
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# --- matching key -----------------------------------------------------------------------------

# Letters that NFKD does not decompose, plus Turkic-style spellings of Uzbek sounds.
_LETTER_FOLDS = str.maketrans({
    "ş": "sh", "ç": "ch", "ğ": "g'", "ö": "o'", "ü": "u", "ı": "i", "ə": "e", "ø": "o",
    "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
})  # fmt: skip

_LEGAL_FORMS = frozenset({
    "llc", "inc", "incorporated", "ltd", "limited", "co", "corp", "corporation", "company",
    "plc", "llp", "lp", "gmbh",
    # Uzbek: MChJ (limited liability), AJ / OAJ / YoAJ (joint-stock), XK (private enterprise).
    "mchj", "aj", "oaj", "yoaj", "xk",
    # Russian: OOO, AO, OAO, ZAO, PAO.
    "ooo", "ao", "oao", "zao", "pao",
})  # fmt: skip

# Ordered: each rule sees the output of the ones before it.
_PHONETIC_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # Uzbek oʻ is the vowel Russian-style spellings write as u: Oʻzbekiston / Uzbekistan.
        (r"o'", "u"),
        (r"g'", "g"),
        (r"'", ""),
        (r"shch", "sh"),
        # Uzbek j is written zh, dzh or dj in Russian-style English.
        (r"dzh|dj|zh", "j"),
        # Uzbek x and h are both kh in Russian-style English, and h in plain English.
        (r"kh|x", "h"),
        (r"gh", "g"),
        (r"q", "k"),
        (r"ts", "s"),
        (r"w", "v"),
        # Mirziyoyev / Mirziyoev / Mirzioev: a glide between vowels is spelt or not.
        (r"(?<=[aeiou])y(?=[aeiou])", ""),
        # Yevgeniy / Evgeniy, Yergash / Ergash.
        (r"ye", "e"),
        # Yusupov / Iusupov, Kadyrov (ы) / Kadirov.
        (r"y", "i"),
        # Uzbek o is the vowel Russian spells a: Toshkent / Tashkent, Qodirov / Kadyrov.
        (r"o", "a"),
        # Muhammad / Muhamad, Aliev (after the glide folds) / Alii.
        (r"(.)\1+", r"\1"),
    )
)


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTER_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _unify_apostrophes(text: str) -> str:
    return re.sub(f"[{_APOSTROPHES}]", "'", text)


def _tokens(text: str) -> list[str]:
    # Dots and hyphens join ("L.L.C.", "Abdul-Aziz"); everything else that is not part of a
    # word separates.
    joined = re.sub(r"[.\-\u2010-\u2015]", "", text)
    return [token for token in re.split(r"[^\w']+", joined) if token.strip("'_")]


def _without_legal_forms(tokens: list[str]) -> list[str]:
    kept = [t for t in tokens if t.replace("'", "") not in _LEGAL_FORMS]
    # A name made only of legal-form words ("AO") is still a name.
    return kept or tokens


def _fold(token: str) -> str:
    for pattern, replacement in _PHONETIC_FOLDS:
        token = pattern.sub(replacement, token)
    return token.replace("_", "")


def normalise_name(name: str) -> str:
    """The matching key: equal for Cyrillic, Uzbek Latin and English spellings of one name."""
    text = to_latin(unicodedata.normalize("NFC", name)).casefold()
    # Apostrophes first: NFKD would turn the acute accent ´ into a space and a combining mark.
    text = _strip_diacritics(_unify_apostrophes(text))
    folded = (_fold(token) for token in _without_legal_forms(_tokens(text)))
    return " ".join(token for token in folded if token)[:NAME_KEY_MAX_LENGTH]


def names_match(a: str, b: str) -> bool:
    """Whether two spellings share a matching key; names without any letters match nothing."""
    key = normalise_name(a)
    return bool(key) and key == normalise_name(b)


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def name_similarity(a: str, b: str) -> float:
    """0..1 similarity of the matching keys, insensitive to word order, for weak matches."""
    key_a, key_b = normalise_name(a), normalise_name(b)
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    in_order = _ratio(key_a, key_b)
    # Registers differ in putting the surname first ("Karimov Islam" / "Islam Karimov").
    sorted_a, sorted_b = (" ".join(sorted(key.split())) for key in (key_a, key_b))
    return max(in_order, _ratio(sorted_a, sorted_b))
