"""From a chat message to the words the index knows: how people write in a chat, undone step by step.

Lower case and letters only; stretched letters ("tolonggg", "kokk") shrunk back; Indonesian doubling
("anak2", "gak bisa2") taken once; chat abbreviations and slang mapped to the words the FAQ uses (a map of our
own: no library keeps one for Indonesian chat); a word still unknown corrected to the closest word the FAQ knows
(rapidfuzz), as it is most likely a typo; then each word stemmed (Snowball's Indonesian stemmer, its English one
for what that leaves alone), so "dibatalkan", "pembatalan" and "batalin" meet at "batal", and "cancelled" and
"cancel" at "cancel". Sastrawi's dictionary stemmer is better Indonesian but takes 100 ms and more for a word it
does not know (every English word, every name): a question must be answered in milliseconds, so the Snowball
stemmer's few misses that matter here are put right by hand (STEMS).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import Stemmer
from rapidfuzz import distance, process
from wordfreq import get_frequency_dict

# Chat spellings → the words the FAQ is written in. Several words where one stands for a phrase.
SLANG: dict[str, str] = {
    # not, no
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "ngga": "tidak", "nggak": "tidak", "enggak": "tidak",
    "engga": "tidak", "tdk": "tidak", "tak": "tidak", "kagak": "tidak", "gx": "tidak", "g": "tidak",
    "ndak": "tidak", "nda": "tidak", "gaada": "tidak ada", "gada": "tidak ada", "gabisa": "tidak bisa",
    "gbs": "tidak bisa", "gbisa": "tidak bisa", "blm": "belum", "blum": "belum", "lom": "belum",
    # I, you, we
    "sy": "saya", "aku": "saya", "ak": "saya", "aq": "saya", "gw": "saya", "gue": "saya", "gua": "saya",
    "sya": "saya", "km": "kamu", "lu": "kamu", "lo": "kamu", "anda": "kamu",
    "kak": "", "kakak": "", "min": "", "mimin": "", "admin": "petugas", "pak": "", "bu": "", "bang": "", "gan": "",
    "sis": "", "mas": "", "mba": "", "mbak": "", "om": "", "bro": "",
    # how, why, what, when
    "gimana": "bagaimana", "gmn": "bagaimana", "gmna": "bagaimana", "bgmn": "bagaimana", "gimna": "bagaimana",
    "caranya": "cara", "kok": "kenapa", "knp": "kenapa", "napa": "kenapa", "kenapa": "kenapa", "mengapa": "kenapa",
    "ngapain": "apa", "apaan": "apa", "brp": "berapa", "brapa": "berapa", "kpn": "kapan",
    "dmn": "dimana", "dimana": "dimana", "mana": "mana",
    # already, still, want, can, must
    "udah": "sudah", "udh": "sudah", "sdh": "sudah", "dah": "sudah", "uda": "sudah", "masi": "masih",
    "msh": "masih", "mau": "ingin", "mo": "ingin", "pengen": "ingin", "pgn": "ingin", "pingin": "ingin",
    "bs": "bisa", "bsa": "bisa", "bisakah": "bisa", "hrs": "harus", "musti": "harus", "mesti": "harus",
    "perlu": "perlu", "tlg": "tolong", "tolongin": "tolong", "mohon": "tolong",
    # little words
    "yg": "yang", "dgn": "dengan", "sm": "sama", "ama": "sama", "dr": "dari", "dri": "dari", "utk": "untuk",
    "tuk": "untuk", "krn": "karena", "karna": "karena", "soalnya": "karena", "klo": "kalau",
    "kalo": "kalau", "kl": "kalau", "trs": "terus", "trus": "terus", "jd": "jadi", "jdi": "jadi", "tp": "tapi",
    "tpi": "tapi", "emg": "memang", "emang": "memang", "aja": "saja", "aj": "saja", "doang": "saja",
    "bgt": "sekali", "banget": "sekali", "lg": "lagi", "lgi": "lagi", "sdg": "sedang",
    "gt": "begitu", "gitu": "begitu", "gini": "begini", "skrg": "sekarang", "skrang": "sekarang",
    "td": "tadi", "tdi": "tadi", "bbrp": "beberapa", "org": "orang", "ortu": "orang tua", "bokap": "ayah",
    "nyokap": "ibu", "bini": "istri", "bocil": "anak", "bayi": "anak", "balita": "anak",
    "dgr": "dengar", "kasi": "kasih", "ksh": "kasih", "dpt": "dapat", "dapet": "dapat", "pake": "pakai",
    "pk": "pakai", "bkn": "bukan", "ato": "atau", "atw": "atau", "sblm": "sebelum",
    "stlh": "setelah", "abis": "habis", "hbs": "habis", "tgl": "tanggal", "tggl": "tanggal",
    "hr": "hari", "mgg": "minggu", "bln": "bulan", "thn": "tahun", "hp": "ponsel", "wa": "whatsapp",
    "nomer": "nomor", "nmr": "nomor", "bikin": "buat", "bkin": "buat", "ngurus": "urus",
    "urus": "urus", "ilang": "hilang", "tau": "tahu",
    "ngerti": "mengerti", "nanya": "tanya", "liat": "lihat", "ngeliat": "lihat",
    "nyari": "cari", "dateng": "datang", "telat": "terlambat",
    # the domain's own words, as people spell them
    "pasport": "paspor", "passport": "paspor", "pspr": "paspor", "paspr": "paspor",
    "antrian": "antrean", "antri": "antrean", "ngantri": "antrean", "antre": "antrean", "queue": "antrean",
    "kouta": "kuota", "quota": "kuota", "kuotanya": "kuota", "booking": "pesan", "book": "pesan",
    "booked": "pesan", "bookingan": "pesanan", "boking": "pesan", "bokingan": "pesanan", "pesen": "pesan",
    "batalin": "batal", "cancel": "batal", "cancelled": "batal", "canceled": "batal", "cancelation": "batal",
    "cancellation": "batal", "kanim": "kantor imigrasi", "imigrasi": "imigrasi", "ktp": "ktp", "ektp": "ktp",
    "kk": "kartu keluarga", "nik": "nik", "perpanjang": "ganti paspor", "perpanjangan": "ganti paspor",
    "renew": "ganti paspor", "renewal": "ganti paspor", "reschedule": "ubah jadwal", "resched": "ubah jadwal",
    "notif": "pemberitahuan", "notifikasi": "pemberitahuan", "subscribe": "ikuti", "unsubscribe": "berhenti ikuti",
    "pdf": "bukti", "bukti": "bukti", "bot": "bot", "eror": "error", "erorr": "error", "ngeblank": "error",
    "ngelag": "lambat", "lemot": "lambat", "lelet": "lambat", "ngadat": "error", "stuck": "error",
    "ultah": "lahir", "tgllahir": "tanggal lahir", "ttl": "tanggal lahir", "akte": "akta", "cs": "petugas",
    "operator": "petugas", "manusia": "petugas", "staf": "petugas", "staff": "petugas", "human": "petugas",
    "agent": "petugas", "slot": "kuota", "slots": "kuota", "ijo": "hijau", "adek": "adik",
    "registrasi": "daftar", "register": "daftar", "signup": "daftar", "majuin": "ubah", "mundurin": "ubah",
    "kmrn": "kemarin", "kemaren": "kemarin", "bener": "benar", "beneran": "benar", "benerin": "perbaiki",
    "ngomong": "bicara", "omong": "bicara", "sambungin": "hubungkan", "bales": "balas", "dibales": "balas",
    "ngekos": "tinggal", "domisili": "tinggal", "typo": "salah ketik", "misspelled": "salah ketik",
    "ntar": "nanti", "entar": "nanti", "nnt": "nanti", "telp": "telepon", "tlp": "telepon", "telpon": "telepon",
    "tlpn": "telepon", "temen": "teman", "tmn": "teman", "anter": "antar", "nganter": "antar", "nganterin": "antar",
    "kid": "child", "kids": "child", "struk": "bukti", "follow": "ikuti", "nyangkut": "error", "kesangkut": "error",
    "jakut": "jakarta", "jaksel": "jakarta", "jakbar": "jakarta", "jaktim": "jakarta", "jakpus": "jakarta",
    "mulu": "terus", "melulu": "terus", "hang": "error", "ngehang": "error", "resi": "bukti", "cewe": "perempuan",
    "cewek": "perempuan", "nambahin": "tambah", "tambahin": "tambah", "brgkt": "berangkat", "airport": "bandara",
    # Javanese and Sundanese, as people mix them in
    "kulo": "saya", "abdi": "saya", "mboten": "tidak", "ora": "tidak", "teu": "tidak",
    "saget": "bisa", "iso": "bisa", "rawuh": "datang", "pripun": "bagaimana", "piye": "bagaimana",
    "kumaha": "bagaimana", "nggih": "", "mbatalke": "batal", "batalke": "batal", "ngarti": "mengerti",
    "basa": "bahasa", "ngarobah": "ubah", "ngarobahna": "ubah", "milih": "pilih", "nu": "yang",
    "pangdeukeutna": "terdekat", "deukeut": "dekat", "opo": "apa",
}  # fmt: skip

# Colloquial affixes (with the empty one, to try each alone): "di-…-in" is the chat's "di-…-kan".
_CHAT_PREFIXES = ("", "di", "ke", "nge", "ng", "ny", "ter", "ber", "me", "pe")
_CHAT_SUFFIXES = ("", "in", "nya", "an", "kan", "lah", "kah", "ku", "mu", "innya")

_STRETCH = re.compile(r"([^\W\d_])\1{2,}")  # three or more of one letter: "tolonggg" (not digits: "1000")
_DOUBLED = re.compile(r"^([a-z]+)2$")  # "anak2": the word, said twice
# A word, or one of the signs people copy from the bot's screens (the calendar's ✅ ❌ ⏳ ⛔, the menu's 🔔 🙋): a
# sign is a word of its own, as rare and telling as one.
_WORD = re.compile(r"[a-z0-9]+|[\u2300-\u23ff\u2600-\u27bf\U0001f300-\U0001faff]")

_ENGLISH = Stemmer.Stemmer("english")
_INDONESIAN = Stemmer.Stemmer("indonesian")

# Where the Indonesian stemmer takes a root's first syllable for a prefix ("pesanan" is not "sanan"), and where its
# root would merge two things a question tells apart: arriving late ("terlambat") is not a slow bot ("lambat"),
# an alert ("pemberitahuan") is not knowing ("tahu"), repairing ("perbaiki") is not "fine" ("baik").
STEMS: dict[str, str] = {
    "pesanan": "pesan", "pemesanan": "pesan", "berapa": "berapa", "penggantian": "ganti", "pergantian": "ganti",
    "pemohon": "mohon", "permohonan": "mohon", "pertama": "pertama", "perlu": "perlu", "pesan": "pesan",
    "petugas": "petugas", "peta": "peta", "bersama": "sama", "kenapa": "kenapa", "keluarga": "keluarga",
    "berlaku": "laku", "penuh": "penuh", "perbaikan": "perbaiki", "memperbaiki": "perbaiki", "pindah": "pindah",
    "dimana": "mana", "terlambat": "terlambat", "pemberitahuan": "beritahu", "diberitahu": "beritahu",
}  # fmt: skip


def words(text: str) -> list[str]:
    """Lower-case words (and signs), accents gone, stretched letters shrunk, Indonesian doubling taken once."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _STRETCH.sub(r"\1", text)
    out: list[str] = []
    for word in _WORD.findall(text):
        doubled = _DOUBLED.match(word)
        out.append(doubled.group(1) if doubled else word)
    return out


def unslang(tokens: Iterable[str]) -> list[str]:
    """Chat spellings mapped to the FAQ's words; a word mapped to nothing (a form of address) dropped."""
    out: list[str] = []
    for token in tokens:
        mapped = SLANG.get(token)
        if mapped is None and len(token) > 2 and token[-1] == token[-2]:
            mapped = SLANG.get(token[:-1])  # "kokk", "gkk"
        out.extend((mapped if mapped is not None else token).split())
    return out


def stem(word: str) -> str:
    """The word's stem: the Indonesian one where the word has Indonesian affixes, else the English one."""
    if word.isdigit():
        return word
    if word in STEMS:
        return STEMS[word]
    indonesian = str(_INDONESIAN.stemWord(word))
    if indonesian != word:
        return indonesian
    return str(_ENGLISH.stemWord(word))


# Everyday words a question may hold that the FAQ never writes: real words, not typos of the FAQ's (a dictionary
# would be better; none that is well kept covers chat Indonesian). Days and months, and the words that were seen
# "corrected" into something else ("hujan" into "human", "kamis" into "kami", "uang" into "ulang").
EVERYDAY = frozenset(
    """
    senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday thursday friday saturday sunday januari
    februari maret april mei juni juli agustus september oktober november desember january february march june july
    august october december besok lusa kemarin pagi siang sore malam hujan panas banjir macet uang murah mahal biru
    hijau merah kuning putih hitam sekolah kerja kantor pegawai karyawan hamil sakit meninggal cepat lambat jangan
    teman enak susah mudah gampang mobil motor ojek rumah kota desa jalan country mother father son daughter wife
    husband baby please thanks ready today tomorrow yesterday morning evening week month year money
    """.split()  # noqa: SIM905 - a paragraph of words reads better than a list of strings
)


COMMON = 3.0  # Zipf: once in a million words or more, in Indonesian or English, and a word is a word, not a typo


@cache
def common_words() -> frozenset[str]:
    """Words people write often in Indonesian or English (wordfreq's lists, which count the web, subtitles and
    social media, so chat words too: "ntar", "ngapain", "balik"). Such a word typed in a question is most likely
    meant: the speller leaves it, where it once made "balik" (back) "baik" (fine). About 0.2 s, once a process."""
    found: set[str] = set()
    for language in ("id", "en"):
        found.update(w for w, f in get_frequency_dict(language, wordlist="small").items() if f >= 10 ** (COMMON - 9))
    return frozenset(w for w in found if w.isalpha())


class Speller:
    """Corrects a word the FAQ does not know to the closest one it does: most such words are typos.

    Closest is one edit for a word of up to six letters and two for a longer one, a swap of two neighbours counting
    as one (OSA distance: "bukit" is "bukti"), never a different first letter (people rarely mistype the first),
    and only towards words the FAQ writes itself, never a little word of no weight: a chat spelling of the slang
    map ("human", "staff") is known but never the target of a correction. Words in `known` (the slang map's, the
    everyday ones, the offices' cities) are left as they are. A word in `common` (real words, common_words()) is
    corrected only when two neighbouring letters of a FAQ word were swapped ("bukit" for "bukti"): the phone's
    typo that makes another word. Nothing is remembered between questions: a question may hold a name.
    """

    def __init__(
        self, known: Iterable[str], targets: Iterable[str], *, little: Iterable[str] = (), common: Iterable[str] = ()
    ) -> None:
        self._known = frozenset(known) | frozenset(targets) | EVERYDAY
        self._little = frozenset(little)
        self._common = frozenset(common) - self._known
        # Longer words only: a short unknown word is as likely an abbreviation as a typo, and its neighbours many.
        self._targets: dict[str, list[str]] = {}
        for w in sorted(set(targets) - self._little):
            if len(w) >= 4:
                self._targets.setdefault(w[0], []).append(w)

    def __call__(self, word: str) -> str:
        """The word itself when it is known (or short, or a number); else its correction, or itself."""
        if word in self._known or len(word) < 4 or not word.isalpha():
            return word
        # Shrinking a double letter first ("bukkti", "cancell"): a stretched word more often than a typo.
        for i in range(len(word) - 1):
            if word[i] == word[i + 1] and (shorter := word[:i] + word[i + 1 :]) in self._known:
                return shorter
        # Chat Indonesian's own affixes, which the stemmer does not know: "batalin", "dibatalin", "kehapus",
        # "botnya". A root of four letters at least, and of some weight ("medan" is not "me-" + "dan").
        for prefix in _CHAT_PREFIXES:
            if not word.startswith(prefix):
                continue
            rest = word[len(prefix) :]
            for suffix in _CHAT_SUFFIXES:
                root = rest[: len(rest) - len(suffix)]
                weighty = len(root) >= 3 + bool(prefix) and root not in self._little
                if rest.endswith(suffix) and weighty and root in self._known:
                    return root
        if word in self._common:  # a real word: only a swap of two neighbours makes it another
            swapped = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1))
            return next((w for w in swapped if w in self._targets.get(word[0], ())), word)
        edits = 1 if len(word) <= 6 else 2
        found = process.extractOne(
            word, self._targets.get(word[0], []), scorer=distance.OSA.distance, score_cutoff=edits
        )
        return found[0] if found else word


# Words that make a message a question (after slang is undone): "bisa gak", "kapan", "how". A message without one
# and without "?", typed in a step that waits for a tap, is more likely a wrong answer to the step than a question.
QUESTION_WORDS = frozenset(
    """
    apa apakah bagaimana kenapa kapan berapa mana dimana siapa bisa boleh bolehkah harus perlu tanya tolong bantu
    bantuan help how what why when where who which can could should is are do does
    """.split()  # noqa: SIM905 - a paragraph of words reads better than a list of strings
)


def sounds_like_question(text: str) -> bool:
    """A question mark, or a question word in any spelling ("gmn", "knp", "bs")."""
    return "?" in text or any(w in QUESTION_WORDS for w in unslang(words(text)))
