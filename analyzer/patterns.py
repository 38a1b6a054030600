"""The text patterns for links, @handles, hashtags, numbers and emoji, defined once.

Two families: whole-token patterns (``*_TOKEN``: what one tokenizer token is, for
the lexeme table) and in-text patterns (``*_IN_TEXT``: where such a thing stands
in free text, for character n-grams, augmentation and the export readers'
entity lists). They differ on purpose: a token is already cut at spaces and
punctuation, free text is not.
"""

from __future__ import annotations

import re

__all__ = [
    "CHAR_HANDLE", "EMOJI_PATTERN", "EMOJI_TOKEN", "HASHTAG_IN_TEXT", "HASHTAG_TOKEN", "LINK_IN_TEXT",
    "LINK_TOKEN", "MENTION_IN_TEXT", "MENTION_TOKEN", "NUMBER_TOKEN", "URL_IN_TEXT", "URL_TAIL",
]

# One emoji as people see it: a flag pair, or a pictograph with its variation
# selector, skin tone and zero-width-joiner continuations (👨‍👩‍👧, 👍🏽, ❤️).
_PICTO = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_MODS = "(?:\ufe0f|[\U0001f3fb-\U0001f3ff])*"
EMOJI_PATTERN = (
    f"(?:[\U0001f1e6-\U0001f1ff]{{2}}|[{_PICTO}]{_MODS}"
    f"(?:\u200d[\u2640-\u27bf\U0001f000-\U0001faff]{_MODS})*)"
)

# -- whole tokens ---------------------------------------------------------------------
EMOJI_TOKEN = re.compile(f"(?:{EMOJI_PATTERN})+")
HASHTAG_TOKEN = re.compile(r"#[^\W_]\w*")
MENTION_TOKEN = re.compile(r"@\w+(?:[.:@]\w+)*")
NUMBER_TOKEN = re.compile(r"[+-]?(?:\d+(?:[.,:/]\d+)*|\d*[.,]\d+)(?:st|nd|rd|th|º|ª|°)?", re.IGNORECASE)
# spaCy's like_url also accepts "care.umma" or "number.pls" (words joined by a dot,
# common in informal writing); a link here needs a scheme, "www.", or a known
# top-level domain, and a path when the domain ending is also a common word.
_TLDS = ("com|org|net|io|ly|edu|gov|info|app|dev|ai|tv|fm|gl|gd|uk|mx|ar|cl|pe|ve|uy|br|pt|fr|"
         "eu|ch|nl|ie|au|nz|ca|cat|gal|eus|shop|store|blog|news|online|site|link|page|xyz|"
         "example|social|club|biz|media|studio|tech|cloud|art|design|digital")
_CC_TLDS = "it|es|de|co|be|at|us|in|me|to"
_WORD_TLDS = "is|am|as|my|no|so|do|go|la|el|tu|al|si|se|ma|mi|ti|ci|vi|un|on|an"
LINK_TOKEN = re.compile(
    rf"(?:https?://|ftp://|www\.)\S+|"
    rf"[\w-]+(?:\.[\w-]+)*\.(?:{_TLDS})(?::\d+)?(?:/\S*)?|"
    rf"(?:[\w-]+\.)*[\w-]{{3,}}\.(?:{_CC_TLDS})(?::\d+)?(?:/\S*)?|"
    rf"[\w-]+(?:\.[\w-]+)*\.(?:{_WORD_TLDS})(?::\d+)?/\S*",
    re.IGNORECASE,
)

# -- in free text ---------------------------------------------------------------------
# A link anywhere in a text (not a whole token): scheme or www, or a domain with a path.
# The lookahead (a run of word characters, dots and dashes, then "/") only says what
# the domain form needs anyway; it skips plain words without backtracking into them.
LINK_IN_TEXT = re.compile(r"(?:https?://|ftp://|www\.)\S+|\b(?=[\w.-]++/)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*",
                          re.IGNORECASE)
# An @handle as character n-grams replace it (user@host kept whole, as links are).
CHAR_HANDLE = re.compile(r"@\w+(?:[.:]\w+)*")
# Entities of plain-text exports: a link with a scheme (trailing punctuation then
# stripped with URL_TAIL), a #tag and an @handle not inside a word, link or e-mail.
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+")
URL_TAIL = ".,;:!?)]}'\"…"
HASHTAG_IN_TEXT = re.compile(r"(?<![\w&/#])#(\w+)")
MENTION_IN_TEXT = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[\w.]*\w)?)")
