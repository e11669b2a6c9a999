"""The help topics: what applicants ask, answered in our own words from DOMAIN.md and the source documents.

A topic's question and answer are user texts (English msgids, translated in the catalogs); its `asked` are more
ways people put the same question, in both languages, for matching only: they are never shown, so they are not
translated, and they may be as informal as the chat they come from. The order is the order of the help menu.
The texts live here, beside the matcher, not in the bot: the command line and the staff pages read them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def N_(text: str) -> str:
    """Marks a text for the catalogs (pybabel extracts N_) without translating it here: it is read per language."""
    return text


@dataclass(frozen=True)
class Topic:
    key: str  # stable: tests, the benchmark's labels and the help desk's records name topics by it
    question: str
    answer: str
    asked: tuple[str, ...] = ()
    # A topic staff wrote (an FAQ entry, core/services/faq.py) is not in the catalogs: its own words, a
    # (language, question, answer) each, the first language standing in for one it lacks.
    written: tuple[tuple[str, str, str], ...] = ()

    def question_in(self, language: str, translate: Callable[[str], str]) -> str:
        """The question shown in `language`, whose catalog's gettext is `translate`."""
        return self._own(language)[0] if self.written else translate(self.question)

    def answer_in(self, language: str, translate: Callable[[str], str]) -> str:
        return self._own(language)[1] if self.written else translate(self.answer)

    def _own(self, language: str) -> tuple[str, str]:
        _, question, answer = next((w for w in self.written if w[0] == language), self.written[0])
        return question, answer


TOPICS: tuple[Topic, ...] = (
    Topic(
        "booking",
        N_("How does booking work?"),
        N_(
            "Tap Book, pick the office near where you live, choose who comes (up to 5 people on one family card, "
            "you first), then a free date and an arrival time. Check the summary and confirm: you get a booking "
            "code and a PDF proof here in the chat."
        ),
        (
            "cara pesan antrean paspor",
            "gimana cara daftar antrian paspor online",
            "langkah langkah ambil nomor antrean",
            "how do i book an appointment for a passport",
            "cara booking jadwal kedatangan",
            "mau bikin paspor caranya gimana",
            "how to get a queue number",
            "dapat kode booking dari mana",
            "cara perpanjang paspor",
            "how do i renew my passport",
            "alur pendaftaran antrean paspor",
            "daftar antrean lewat telegram",
            "ambil jadwal wawancara paspor",
            "book a slot at the immigration office",
            "steps to make a passport appointment",
            "setelah pilih tanggal lalu apa",
            "belum dapat kode pesan",
            "what do i do after choosing a date",
        ),
    ),
    Topic(
        "account",
        N_("Do I need to register, and what is my account?"),
        N_(
            "Your Telegram account is your booking account: no password, no e-mail. The first time, the bot asks "
            "for your consent, your name as on the e-KTP, your NIK, date of birth, family card number and phone "
            "number. You are always the first applicant of your own bookings; one NIK can own only one account. "
            "Family members are added under 👨‍👩‍👧 Family members."
        ),
        (
            "cara daftar akun",
            "registrasi akun antrean",
            "lupa password akun",
            "harus bikin akun baru",
            "can i use my old account",
            "how do i sign up",
            "akun saya sudah dipakai nik orang lain",
            "nik sudah terdaftar di akun lain",
            "login pakai email atau gmail",
            "ganti nomor hp di akun",
            "apakah perlu login",
            "akun saya terhapus",
            "satu akun untuk berapa nik",
            "pakai akun telegram orang lain",
            "do i need an account",
            "nomor hp berubah",
            "akun saya yang mana",
            "tidak pernah buat akun",
            "password akun apa",
            "perlu registrasi dulu sebelum pesan",
        ),
    ),
    Topic(
        "office",
        N_("Which office should I choose?"),
        N_(
            "Choose the office near where you live: type your city or province and pick from the offices found. "
            "There are immigration offices (Kantor Imigrasi), passport service units (ULP) and counters in public "
            "service malls (MPP); each shows its address and its own time zone (WIB, WITA or WIT)."
        ),
        (
            "kantor imigrasi terdekat",
            "boleh pilih kantor imigrasi di kota lain",
            "kanim mana yang sesuai domisili",
            "beda kanim ulp dan mpp",
            "which immigration office near me",
            "pilih kantor mana",
            "alamat kantor imigrasi",
            "kantor saya tidak ada di daftar",
            "domisili beda dengan alamat ktp",
            "bisa daftar di luar kota",
            "kantor imigrasi paling dekat",
            "pilih ulp atau kanim",
            "can i go to an office in another city",
            "cari kantor imigrasi di kota saya",
            "pilih kantor dekat rumah atau dekat bandara",
            "pulang dari luar negeri, kantor mana",
        ),
    ),
    Topic(
        "nik",
        N_("Why is my NIK refused?"),
        N_(
            "A NIK has 16 digits: the region, the date of birth (40 is added to the day for women) and a serial "
            "number. The bot says which part does not fit. Compare it with your e-KTP or family card; if the "
            "printed number itself is wrong, the civil registry (Dukcapil) must correct it."
        ),
        (
            "nik ditolak",
            "nik tidak valid",
            "kok nik saya salah terus",
            "nik saya tidak bisa dimasukkan",
            "nomor induk kependudukan error",
            "my nik is rejected invalid",
            "digit nik salah",
            "kode provinsi nik tidak dikenal",
            "nomor ktp tidak diterima",
            "nik sudah dipakai",
            "nik tidak terdaftar",
            "nik salah format",
            "nik 16 digit ditolak",
            "invalid nik",
            "nik istri ditolak",
            "nik anak tidak bisa",
            "angka nik tidak cocok",
            "nik di ktp dan kartu keluarga beda",
            "why is my nik not accepted",
            "nik sudah sesuai ktp tapi ditolak",
            "nik ada angka 40 lebih untuk perempuan",
            "tanggal di nik ditambah 40",
        ),
    ),
    Topic(
        "birth_date",
        N_("My date of birth does not match my NIK: what now?"),
        N_(
            "Real NIKs do not always follow the format. Enter the date of birth as your NIK encodes it (the bot "
            "offers it), book, and tell the officer at the counter: they correct it in your application. If that "
            "is not possible, ask the office for the manual route, with your full name, NIK and the office you "
            "want."
        ),
        (
            "tanggal lahir tidak sesuai nik",
            "tanggal lahir beda dengan ktp",
            "tgl lahir di nik beda dengan akta",
            "birth date does not match the nik",
            "tanggal lahir salah di nik",
            "jalur manual",
            "tanggal lahir tidak cocok",
            "tanggal lahir di nik berbeda",
            "tanggal lahir di ktp dan akta beda",
            "wrong date of birth in nik",
            "bulan lahir tidak sama dengan nik",
            "tahun lahir di nik salah",
        ),
    ),
    Topic(
        "freeze",
        N_("Why can I not book again?"),
        N_(
            "After a booking, your account can book again 30 days after the arrival date, whether you came, "
            "missed it or cancelled. Meanwhile a relative on the same family card with an account of their own "
            "can book and add you as one of their applicants."
        ),
        (
            "akun dibekukan 30 hari",
            "kenapa tidak bisa pesan lagi",
            "akun saya dibekukan",
            "harus tunggu 30 hari",
            "sudah batal tapi tidak bisa booking lagi",
            "why is my account frozen",
            "why must i wait a month",
            "pembekuan akun",
            "kapan bisa daftar lagi",
            "tidak datang di jadwal",
            "kenapa harus nunggu sebulan",
            "akun terkunci",
            "booking ditolak karena sudah pernah pesan",
            "blocked from booking",
            "cannot book again after cancelling",
            "tunggu satu bulan",
            "sudah batal tapi tetap tidak bisa pesan lagi",
            "berapa hari lagi bisa ambil antrean lagi",
            "sudah datang tapi disuruh kembali, mau antre lagi tidak bisa",
            "istri atau keluarga yang pesan lalu masukkan saya",
        ),
    ),
    Topic(
        "opening",
        N_("When does new quota open?"),
        N_(
            "Every Friday from 14:00 until Sunday 16:00, in the office's own time zone (WIB, WITA or WIT), at all "
            "offices at once. On the calendar, ⏳ marks dates that are not released yet."
        ),
        (
            "kapan kuota dibuka",
            "jam berapa kuota buka",
            "kuota penuh terus",
            "kapan ada kuota baru",
            "when does quota open",
            "jadwal pembukaan kuota",
            "kuota habis",
            "tidak ada kuota",
            "semua tanggal penuh",
            "hari jumat jam 2 siang",
            "kuota dibuka hari apa",
            "jam berapa bisa pesan",
            "kapan jadwal baru keluar",
            "kenapa kuota selalu habis",
            "when can i book",
            "what time does booking open",
            "kuota semua kantor dibuka bersamaan",
            "do all offices open at the same time",
            "hari apa dan jam berapa kuota ditambahkan",
            "when are new slots released",
        ),
    ),
    Topic(
        "calendar",
        N_("What do the marks on the calendar mean?"),
        N_(
            "✅ places are free for your whole party; ❌ full: no time that day can take all of you; ⏳ not "
            "released yet: the office opens it later (new quota opens on Fridays at 14:00); ⛔ a holiday, weekend "
            "or a day the office is closed. Tap a ✅ date to see its arrival times."
        ),
        (
            "arti tanda di kalender",
            "warna hijau merah kuning abu abu",
            "tanggal silang merah",
            "jam pasir di kalender",
            "tanda centang hijau",
            "tanda dilarang masuk",
            "tanda x silang",
            "what does the hourglass mean",
            "kenapa tanggal tidak bisa dipilih",
            "tanggal abu abu",
            "tanggal warna abu",
            "tanda silang di tanggal",
            "arti simbol tanggal",
            "kenapa tanggalnya tidak bisa diklik",
            "what do the symbols on the dates mean",
            "arti ✅ ❌ ⏳ ⛔",
        ),
    ),
    Topic(
        "cancel",
        N_("How do I cancel?"),
        N_(
            "Open My bookings, choose the booking and tap Cancel. You can cancel until the end of the day two "
            "days before the arrival date. The 30-day wait still applies after a cancellation."
        ),
        (
            "cara batalkan pesanan",
            "bisa batal gak",
            "pembatalan jadwal",
            "how do i cancel my booking",
            "batas waktu batal",
            "mau batalin antrean",
            "tidak jadi datang",
            "hapus booking",
            "batal jadwal",
            "membatalkan antrean",
            "tidak jadi pergi ke kantor imigrasi",
            "cancel appointment",
            "sampai kapan bisa batal",
            "hapus jadwal kedatangan",
            "tidak bisa datang, cara batal antrean",
        ),
    ),
    Topic(
        "reschedule",
        N_("Can I change the date or time of my booking?"),
        N_(
            "Not yet: a booking keeps its date and time. You can cancel it until two days before the date, but the "
            "30-day wait then counts from the date you had booked, so think before you cancel. If the office closes "
            "your date, you are told and may book again at once."
        ),
        (
            "ganti jadwal",
            "ubah tanggal kedatangan",
            "pindah jam",
            "reschedule my appointment",
            "bisa ganti hari",
            "mau tukar tanggal",
            "change my date",
            "geser jadwal",
            "ubah jadwal kedatangan",
            "pindah tanggal",
            "ganti jam kedatangan",
            "move my appointment",
            "tukar jadwal",
            "mundur jadwal",
            "undur jadwal",
            "mundurkan tanggal kedatangan",
            "pindah ke minggu depan",
            "postpone my appointment",
        ),
    ),
    Topic(
        "party",
        N_("How many people can one booking hold?"),
        N_(
            "Up to 5 applicants, all on the same family card: you first, then up to four family members. Add them "
            "once under 👨‍👩‍👧 Family members and pick who comes for each booking. Each NIK can be in only one "
            "booking still to come."
        ),
        (
            "berapa orang per akun",
            "daftar untuk keluarga",
            "daftarkan anak dan istri",
            "maksimal pemohon",
            "can i book for my family",
            "tambah anggota keluarga",
            "beda kk bisa satu booking",
            "lima orang",
            "booking untuk orang tua",
            "booking untuk anak istri",
            "tambah orang di pesanan",
            "berapa pemohon satu akun",
            "one booking for my family",
            "daftar bareng keluarga",
            "ajak keluarga satu jadwal",
            "masukkan adik ke pesanan saya",
            "tambah orang ke pesanan yang sudah ada",
            "sudah ada di pesanan lain",
            "adik tidak bisa dipilih karena sudah ada di pesanan lain",
            "tambah suami ke pesanan saya",
        ),
    ),
    Topic(
        "wrong_type",
        N_("I chose the wrong application type (new or replacement)."),
        N_(
            "Keep your booking. At the counter, tell the officer whether you want a new passport or a "
            "replacement: they correct the type there. Bring what the right type needs (a replacement also "
            "brings the old passport)."
        ),
        (
            "salah pilih jenis permohonan",
            "salah pilih paspor baru padahal penggantian",
            "harusnya perpanjang bukan baru",
            "wrong application type",
            "salah pilih penggantian",
            "perpanjangan paspor pilih apa",
            "salah pilih paspor baru",
            "harusnya penggantian",
            "keliru jenis paspor",
            "picked new instead of replacement",
            "salah pilih jenis",
        ),
    ),
    Topic(
        "correct_data",
        N_("How do I correct my name or other data?"),
        N_(
            "A family member entered wrongly can be removed under 👨‍👩‍👧 Family members and added again. Your own "
            "name, NIK and date of birth, and the data of a booking already made, are corrected by the officer at "
            "the counter: bring the documents that show the right data. 🔐 My data shows what we keep."
        ),
        (
            "salah ketik nama",
            "ubah data",
            "perbaikan data akun",
            "nama salah di bukti",
            "how do i fix a typo in my name",
            "ganti nama di akun",
            "edit data pemohon",
            "data salah",
            "nama salah",
            "data keliru",
            "typo nama",
            "ganti data pemohon",
            "wrong name spelling",
            "koreksi data",
            "nama kurang satu huruf",
            "salah isi tanggal lahir anggota keluarga",
            "ubah data anggota keluarga",
            "fix a family member's details",
        ),
    ),
    Topic(
        "bring",
        N_("What should I bring?"),
        N_(
            "The proof (printed or on your phone), and originals. An adult (17 or older, or married): the e-KTP "
            "and the family card. A child under 17: the birth certificate (or baptism certificate), the family "
            "card, both parents' e-KTP, the parents' marriage certificate and passports; both parents come along "
            "(or one, with the other's signed consent, or the guardian a court named). A replacement also brings "
            "the old passport, and anyone whose name has changed the official decision. The summary and the proof "
            "list each applicant's papers. Staff turn away anyone whose papers differ from the booking."
        ),
        (
            "syarat paspor",
            "dokumen yang dibawa",
            "berkas apa saja",
            "persyaratan bikin paspor",
            "what documents do i need",
            "harus bawa ktp asli",
            "perlu fotokopi",
            "bawa kk",
            "paspor lama dibawa",
            "perpanjang paspor bawa apa",
            "bawa dokumen apa saja",
            "berkas yang dibawa ke kantor imigrasi",
            "syarat dokumen paspor dewasa",
            "what to bring",
            "perlu bawa akta",
            "dokumen asli atau fotokopi",
        ),
    ),
    Topic(
        "child",
        N_("What does a child's application need?"),
        N_(
            "A child under 17 brings the birth certificate (or baptism certificate), the family card, both "
            "parents' e-KTP, the parents' marriage certificate and their passports, and the old passport for a "
            "replacement. Both parents come along; or one, with the other's signed consent; or the guardian named "
            "by a court. Add the child under 👨‍👩‍👧 Family members and book them with you."
        ),
        (
            "paspor anak",
            "syarat paspor anak di bawah umur",
            "bayi bikin paspor",
            "passport for my child",
            "kedua orang tua harus datang",
            "akta kelahiran anak",
            "anak belum punya ktp",
            "surat kuasa orang tua",
            "paspor untuk bayi",
            "syarat paspor anak",
            "anak di bawah umur",
            "child passport requirements",
            "orang tua harus ikut",
            "anak umur 5 tahun",
            "hanya ibu yang antar anak",
            "suami tidak bisa ikut datang",
            "only one parent can come",
        ),
    ),
    Topic(
        "counter",
        N_("What happens at the counter on the day?"),
        N_(
            "Come at the arrival time you booked and show the proof: the officer scans its QR code or types the "
            "booking code. Staff turn away anyone who is not on the day's list, whose data differs from the e-KTP "
            "or other documents, or who cannot show the proof. Bring every applicant's originals."
        ),
        (
            "ditolak petugas",
            "nama tidak ada di daftar",
            "datang terlambat",
            "what happens at the counter",
            "di kantor imigrasi nanti ngapain",
            "sampai di kantor harus ke loket mana",
            "prosesnya pas datang ke kantor",
            "harus datang jam berapa",
            "tidak bawa bukti",
            "data tidak sesuai ktp",
            "datang lebih awal",
            "tidak masuk daftar hari itu",
            "ditolak di loket",
            "what happens at the counter on my day",
            "telat datang ke kantor",
            "petugas menolak saya",
            "disuruh pulang oleh petugas",
            "tidak dilayani padahal sudah pesan",
            "sent home at the office",
            "teman tidak ada di daftar pesanan, boleh ikut masuk",
            "what happens when i arrive at the office",
        ),
    ),
    Topic(
        "lost_proof",
        N_("I lost my proof: how do I get it again?"),
        N_(
            "Open 🧾 My bookings, choose the booking and tap 📄 Send the proof again: the PDF comes back into this "
            "chat. You can show it on your phone or print it. The day before your arrival the bot sends it again "
            "with a reminder."
        ),
        (
            "bukti hilang",
            "pdf tidak ada",
            "kirim ulang bukti pendaftaran",
            "kode booking lupa",
            "lost my proof",
            "bukti terhapus",
            "cetak bukti",
            "download pdf",
            "bukti belum dikirim",
            "bukti pendaftaran hilang",
            "lupa kode booking",
            "bukti tidak terkirim",
            "lost booking code",
            "minta bukti lagi",
            "chat terhapus",
            "kirim ulang bukti",
            "resend the proof",
        ),
    ),
    Topic(
        "alerts",
        N_("How do I get quota-opening alerts?"),
        N_(
            "Open 🔔 Quota-opening alerts and follow the offices you want. You get a message shortly before an "
            "office opens new quota and another when it opens, with a button that starts booking; staff notices "
            "of that office reach you too. Stop with one tap in the same menu."
        ),
        (
            "notifikasi kuota",
            "pemberitahuan kuota dibuka",
            "langganan info kuota",
            "kabari kalau ada kuota",
            "kirim pesan kalau ada jadwal kosong",
            "notify me about new quota",
            "berhenti notifikasi",
            "unsubscribe",
            "ikuti kantor",
            "info kuota dibuka",
            "kabari kalau ada slot",
            "pengingat kuota",
            "alert me about new slots",
            "berhenti menerima notifikasi",
            "dikabari kalau ada kuota baru",
        ),
    ),
    Topic(
        "bot_problem",
        N_("The bot does not respond or shows an error."),
        N_(
            "Send /menu to start again from the menu, or /cancel to leave the step you are in; nothing you "
            "confirmed is lost. During the Friday rush an answer can take a few seconds: tap once and wait. A "
            "button on an old message tells you where you are now."
        ),
        (
            "bot error",
            "bot tidak membalas",
            "aplikasi error",
            "tombol tidak bisa diklik",
            "the bot is stuck",
            "loading terus",
            "bot lemot",
            "tidak ada respon",
            "bot tidak merespon",
            "tombol tidak berfungsi",
            "bot macet",
            "bot not working",
            "pesan tidak terkirim",
            "bot diam saja",
            "nyangkut di satu langkah",
            "kembali ke menu awal",
            "error saat pilih tanggal",
            "bot hang saat rebutan kuota",
            "error terus",
        ),
    ),
    Topic(
        "privacy",
        N_("What do you keep about me, and can I delete it?"),
        N_(
            "What the booking needs: the names, NIKs (encrypted), dates of birth, the family card and the phone "
            "number you gave, and your bookings. Open 🔐 My data in the menu, or send /mydata, to see all of it "
            "with the numbers masked and to delete your account. A booking still to come keeps its applicants' "
            "names until its day, for the office's list; past bookings keep them for a set time (My data says "
            "how long), then only counts remain."
        ),
        (
            "hapus akun",
            "data pribadi aman",
            "keamanan data nik",
            "delete my account",
            "data saya dipakai untuk apa",
            "privasi",
            "data saya aman",
            "hapus data pribadi",
            "siapa yang bisa lihat data saya",
            "is my data safe",
            "nik saya disimpan",
        ),
    ),
    Topic(
        "person",
        N_("I want to talk to a person."),
        N_(
            "Tap 🙋 Ask a person below and write your question: it goes to our support staff with your booking, and "
            "their answer comes into this chat. You can add to it by writing here until they close it."
        ),
        (
            "mau bicara dengan petugas",
            "hubungi admin",
            "chat dengan cs",
            "talk to a real person",
            "nomor kontak petugas",
            "minta tolong orang",
            "komplain",
            "bisa telpon siapa",
            "mau komplain ke petugas",
            "hubungi customer service",
            "ngobrol dengan admin",
            "contact support",
            "bicara langsung dengan orang",
            "ada cs atau admin",
            "orang beneran bukan bot",
            "operator manusia",
            "admin tolong balas",
            "bot tidak mengerti pertanyaan saya",
            "is there a human i can talk to",
            "real human not a bot",
        ),
    ),
    Topic(
        "language",
        N_("How do I change the language?"),
        N_("Send /language or tap 🌐 Language in the menu, and choose Bahasa Indonesia or English."),
        (
            "ganti bahasa",
            "bahasa inggris",
            "english please",
            "change language",
            "bahasa indonesia",
            "pakai bahasa inggris",
            "switch to english",
            "ubah bahasa ke indonesia",
            "language setting",
            "kenapa bot pakai bahasa inggris",
            "tidak mengerti bahasa inggris",
        ),
    ),
)


def topic(key: str) -> Topic | None:
    """The help topic of that key; None for a key no topic has any more (an old button)."""
    return next((t for t in TOPICS if t.key == key), None)


# What people ask that the help topics do not cover, so that such a question lands here rather than on the
# nearest topic by chance: a best match among these means "not something these topics answer" (the applicant
# is offered the topics and a person). Never shown.
OUTSIDE: tuple[Topic, ...] = (
    Topic(
        "fee",
        "",
        "",
        (
            "biaya paspor berapa", "harga paspor", "bayar paspor dimana", "pembayaran pnbp", "tarif paspor",
            "how much does a passport cost", "passport fee", "payment qris transfer bank", "bayar pakai apa",
        ),
    ),
    Topic(
        "visa_travel",
        "",
        "",
        (
            "visa jepang", "syarat visa", "bebas visa negara mana", "apply visa", "tiket pesawat", "travel abroad",
            "umroh haji", "kerja di luar negeri tki", "schengen", "imigrasi bandara",
        ),
    ),
    Topic(
        "passport_itself",
        "",
        "",
        (
            "berapa lama paspor jadi", "paspor selesai berapa hari", "masa berlaku paspor", "e-paspor dan paspor "
            "biasa bedanya", "foto paspor pakai baju apa", "boleh pakai jilbab kacamata", "paspor rusak hilang",
            "ambil paspor diwakilkan kurir", "how long is a passport valid", "how long until my passport is ready",
            "electronic passport", "passport photo rules", "halaman paspor", "pick up my passport by courier",
        ),
    ),
    Topic(
        "office_contact",
        "",
        "",
        (
            "jam buka kantor imigrasi", "jam operasional kanim", "nomor telepon kantor imigrasi", "kontak kanim",
            "office opening hours", "phone number of the immigration office", "kantor buka jam berapa",
            "hari sabtu kantor buka", "email kantor imigrasi",
        ),
    ),
    Topic(
        "small_talk",
        "",
        "",
        (
            "halo", "hai", "selamat pagi siang sore malam", "assalamualaikum", "terima kasih makasih", "oke siap",
            "hello hi good morning", "thank you thanks", "cerita lucu", "bot ini resmi", "kamu siapa", "tes",
            "ok sip baik",
        ),
    ),
)  # fmt: skip
