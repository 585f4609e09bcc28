"""Line classifiers for reply extraction: attribution lines, header blocks, separators, signatures.

Every function takes one line (or a few joined lines) and answers a yes/no question; the
algorithm that combines them lives in `reply.py`. Patterns are bounded (no nested
quantifiers over unbounded input) so that a pathological line costs linear time.
"""

from __future__ import annotations

import re

# Invisible marks that clients put into header lines (LRM from Windows Mail, BOM from iOS).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\ufeff\u2060"), None)


def clean(line: str) -> str:
    """The line without invisible marks, non-breaking spaces as spaces, stripped."""
    return line.translate(_INVISIBLE).replace("\xa0", " ").strip()


# --- attribution lines ("On <date>, <name> wrote:") ------------------------------------------

_VERBS = (
    r"wrote|writes"
    r"|написал(?:\(а\)|а)?|написала|пишет|писал(?:\(а\)|а)?"
    r"|schrieb|hat geschrieben"
    r"|a\s+[ée]crit|écrit"
    r"|escribió|escribio|ha escrito"
    r"|ha scritto|scrisse"
    r"|escreveu"
    r"|schreef|heeft geschreven"
    r"|napisał(?:\(a\)|a)?|napisala|pisze"
    r"|skrev|skriver"
    r"|kirjoitti"
    r"|írta|napsal(?:\(a\)|a)?|yazdı"
)
_VERB_AT_END = re.compile(rf"(?:^|[\s>\"'”)\]])(?:{_VERBS})\s*:?\s*-*$", re.IGNORECASE)
_VERB_ANYWHERE = re.compile(rf"(?:^|[\s>\"'”)\]])(?:{_VERBS})(?:$|[\s<\"'“(:])", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+")
_TIME_OR_YEAR = re.compile(r"\d{1,2}[:.]\d{2}|(?<!\d)(?:19|20)\d{2}(?!\d)")
_SENTENCE_END = (".", "!", "?", ")")
_MAX_ATTRIBUTION = 350


def is_attribution(text: str) -> bool:
    """True for a (possibly re-joined) attribution line that introduces quoted history.

    Two shapes: with a verb ("On 6 Oct 2014, Ivan wrote:", "Am ... schrieb X <x@y>:",
    "6 октября 2014 г., 10:00 пользователь Иван написал:") and without one, as Gmail's Russian
    and Yandex/Mail.ru clients write it ("пн, 6 окт. 2014 г. в 10:00, Иван <ivan@example.ru>:").
    Both need a digit or an address so prose such as "On Monday I wrote:" stays in the reply.
    """
    text = text.strip().strip("-").strip()
    if not text or len(text) > _MAX_ATTRIBUTION:
        return False
    ends_colon = text.endswith(":")
    if not ends_colon and not text[-1:].isalpha():
        return False
    has_digit = _DIGIT.search(text) is not None
    has_email = "@" in text and _EMAIL.search(text) is not None
    if not has_digit and not has_email:
        return False
    if _VERB_AT_END.search(text):
        return True
    if ends_colon and _VERB_ANYWHERE.search(text):
        return True
    return ends_colon and has_email and _TIME_OR_YEAR.search(text) is not None


def may_start_wrapped_attribution(line: str) -> bool:
    """A line that can be the first of an attribution wrapped over several lines."""
    return bool(line) and _DIGIT.search(line) is not None and not line.endswith(_SENTENCE_END)


def looks_like_unknown_attribution(text: str) -> bool:
    """Fallback for languages we have no verb for: a short line ending in ':' with a date or time,
    directly above a quoted ('>') block."""
    text = text.strip()
    return text.endswith(":") and len(text) <= 250 and _TIME_OR_YEAR.search(text) is not None


# --- separators ------------------------------------------------------------------------------

_SEPARATOR_PHRASES = (
    r"original message|forwarded message|forwarded message follows|message forwarded"
    r"|исходное сообщение|пересылаемое сообщение|оригинальное сообщение|пересланное сообщение"
    r"|переадресованное сообщение"
    r"|ursprüngliche nachricht|weitergeleitete nachricht|originalnachricht"
    r"|message d'origine|message d’origine|message original|message transféré"
    r"|mensaje original|mensaje reenviado|messaggio originale|messaggio inoltrato"
    r"|mensagem original|mensagem encaminhada|oorspronkelijk bericht|doorgestuurd bericht"
    r"|wiadomość oryginalna|oryginalna wiadomość|wiadomość przekazana"
    r"|oprindelig besked|oprindelig meddelelse|videresendt besked|opprinnelig melding"
    r"|ursprungligt meddelande|vidarebefordrat meddelande|alkuperäinen viesti|välitetty viesti"
    r"|元のメッセージ|転送メッセージ"
)
_SEPARATOR = re.compile(rf"^\s*[-_=*]{{2,}}[-_=*\s]*(?:{_SEPARATOR_PHRASES})\s*:?[-_=*\s]*$", re.IGNORECASE)
_FORWARD_INTRO = re.compile(
    r"^(?:begin forwarded message|начало переадресованного сообщения|пересылаемое сообщение"
    r"|anfang der weitergeleiteten nachricht|début du message réexpédié|inicio del mensaje reenviado"
    r"|inizio messaggio inoltrato|início da mensagem reencaminhada|begin doorgestuurd bericht)\s*:?$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^(?:[-_=*]\s?){3,}$")


def is_separator(line: str) -> bool:
    """'-----Original Message-----', '-------- Пересылаемое сообщение --------', 'Begin forwarded message:'."""
    return bool(line) and (_SEPARATOR.match(line) is not None or _FORWARD_INTRO.match(line) is not None)


def is_rule(line: str) -> bool:
    """A line of dashes, underscores, equals signs or asterisks (Outlook draws one above its headers)."""
    return _RULE.match(line) is not None


# --- header blocks (Outlook "From: / Sent: / To: / Subject:" and translations) -------------------

_FROM = (
    r"from|von|de|van|da|fra|från|od|lähettäjä|от|от кого|feladó|kimden|差出人|送信者|expéditeur|remitente"
)
_DATE = (
    r"sent|date|datum|gesendet|envoyé|envoyé le|enviado|enviado el|fecha|inviato|data|verzonden|sendt"
    r"|skickat|wysłano|dato|lähetetty|päivämäärä|отправлено|дата|message du|送信日時|日時|sent at"
)
_TO = r"to|an|à|a|para|aan|til|till|do|vastaanottaja|кому|宛先|cc|copie à|kopie|копия|címzett"
_SUBJECT = (
    r"subject|betreff|objet|sujet|asunto|oggetto|assunto|onderwerp|emne|ämne|temat|aihe|тема|件名|tárgy|konu"
)
_FIELD = re.compile(
    rf"^\*?(?:(?P<from>{_FROM})|(?P<date>{_DATE})|(?P<to>{_TO})|(?P<subject>{_SUBJECT}))\*?\s?[:：]",
    re.IGNORECASE,
)


def header_field(line: str) -> str | None:
    """'from' | 'date' | 'to' | 'subject' when the line is a header field of a quoted message."""
    match = _FIELD.match(line)
    if match is None:
        return None
    return match.lastgroup


# --- signatures --------------------------------------------------------------------------------

_SIG_DELIMITER = re.compile(r"^(?:--|__+|-- |[—–]{2,})$")
_MOBILE = re.compile(
    r"^(?:"
    r"sent from my \S+(?: \S+){0,4}"
    r"|sent from (?:mail|outlook|typeapp|yahoo mail|gmail|bluemail|spark|proton ?mail|my phone)\b[^,.]{0,40}"
    r"|sent (?:with|via) \S+(?: \S+){0,3}"
    r"|get outlook for (?:ios|android)"
    r"|(?:gesendet|envoyé|enviado|inviato|verzonden|wysłane|skickat|sendt|lähetetty)"
    r" (?:von|de|à partir de|desde|do|da|vanaf|met|z|från|fra|via) [^,.]{1,40}"
    r"|gesendet mit [^,.]{1,40}"
    r"|отправлено (?:с|из|со) [^,]{1,60}"
    r"|отправлено через [^,]{1,60}"
    r"|\S+から送信"
    r")(?:\s*[<(]\S*[>)])?\.?$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:best regards|kind regards|warm regards|regards|best wishes|many thanks and best regards"
    r"|yours sincerely|sincerely|yours truly|cheers|best"
    r"|с уважением|с наилучшими пожеланиями|всего доброго|всего хорошего|с благодарностью и уважением"
    r"|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|beste grüße|mfg|gruß"
    r"|cordialement|bien cordialement|bien à vous|salutations|meilleures salutations"
    r"|saludos|saludos cordiales|un saludo|atentamente|cordiali saluti|distinti saluti|saluti"
    r"|atenciosamente|cumprimentos|abraços"
    r"|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groeten|groetjes"
    r"|pozdrawiam|z poważaniem|z powazaniem|serdecznie pozdrawiam"
    r"|med vänlig hälsning|med vänliga hälsningar|vänliga hälsningar|vänligen|hälsningar"
    r"|med venlig hilsen|venlig hilsen|de bedste hilsner|hilsen|mvh|kh"
    r"|med vennlig hilsen|vennlig hilsen"
    r"|ystävällisin terveisin|terveisin"
    r"|敬具|以上、?よろしくお願いいたします"
    r")\s*[,.!]?$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^-\s?[A-ZА-ЯЁ][\w.'’-]*(?: [A-ZА-ЯЁ][\w.'’-]*){0,3}$")


def is_signature_delimiter(line: str) -> bool:
    """'-- ' (RFC 3676), '--' and underscore rules used by mailing lists."""
    return _SIG_DELIMITER.match(line) is not None


def is_mobile_footer(line: str) -> bool:
    """'Sent from my iPhone', 'Отправлено с iPhone', 'Отправлено из мобильной Почты Mail.ru'…"""
    return len(line) <= 120 and _MOBILE.match(line) is not None


def is_sign_off(line: str) -> bool:
    """'С уважением,', 'Best regards', 'Mit freundlichen Grüßen' alone on a line."""
    return len(line) <= 60 and _SIGN_OFF.match(line) is not None


def is_dash_name(line: str) -> bool:
    """'-Abhishek Kona': a name signed with a leading dash."""
    return len(line) <= 60 and _DASH_NAME.match(line) is not None
