#!/usr/bin/env python3
"""Writes Pantau's bundled demo corpus: demo/feeds/*.xml and demo/expected.jsonl.

Twelve imagined Kalimantan Timur news sites and social accounts publish eight days of items
about a dozen regional issues, in the way such outlets write: news headlines with a lead,
informal complaints with slang and typos, press releases syndicated across several sites, and
items that must NOT be tagged (the same words in another sense: "banjir diskon", "jalan-jalan",
"api semangat"). Flooding rises sharply over the last day. All sites use the reserved
`.example` domain: the links are imagined too.

The labels in expected.jsonl are the topics of keywords/topics/*.toml (44 topics) that an analyst
would file each item under: every headline, lead and post template carries its own topics (by
default its issue's), and an item gets the union of its headline's and its lead's, minus a broad
topic whose narrower topic is present (as Pantau does with `narrower`).

Deterministic: the same script writes the same bytes. The newest item is at ANCHOR;
`pantau demo` shifts every date so that it becomes "now".

Run from the repository root:  python3 demo/gen_demo.py
"""
import json
import os
import random
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

ANCHOR = datetime(2026, 11, 26, 21, 0, tzinfo=timezone(timedelta(hours=8)))
DAYS = 8
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "feeds")
rng = random.Random(20261126)

# ---------------------------------------------------------------------------------------------
# Places: region id → (display names, kelurahan/kecamatan or landmarks used in text)
PLACES = {
    "samarinda": (["Samarinda", "Kota Samarinda"], ["Sempaja", "Temindung Permai", "Bengkuring", "Lempake", "Sungai Pinang", "Air Hitam", "Gunung Lingai", "Sidodadi", "Loa Bakung", "Palaran"]),
    "balikpapan": (["Balikpapan", "Kota Balikpapan"], ["Gunung Samarinda", "Muara Rapak", "Klandasan Ilir", "Sepinggan", "Batu Ampar", "Karang Joang", "Manggar Baru"]),
    "bontang": (["Bontang", "Kota Bontang"], ["Bontang Kuala", "Loktuan", "Tanjung Laut", "Berbas Tengah", "Guntung"]),
    "kutai-kartanegara": (["Kutai Kartanegara", "Kukar"], ["Tenggarong", "Loa Janan", "Loa Kulu", "Muara Badak", "Samboja", "Anggana", "Sangasanga", "Kota Bangun", "Muara Kaman"]),
    "kutai-timur": (["Kutai Timur", "Kutim"], ["Sangatta", "Bengalon", "Muara Wahau", "Kaliorang", "Sangkulirang"]),
    "kutai-barat": (["Kutai Barat", "Kubar"], ["Sendawar", "Melak", "Barong Tongkok", "Linggang Bigung"]),
    "berau": (["Berau"], ["Tanjung Redeb", "Gunung Tabur", "Talisayan", "Biduk-Biduk", "Derawan"]),
    "paser": (["Kabupaten Paser", "Paser"], ["Tanah Grogot", "Long Ikis", "Kuaro", "Batu Sopang"]),
    "penajam-paser-utara": (["Penajam Paser Utara", "PPU"], ["Penajam", "Sepaku", "Babulu", "Pemaluan"]),
    "mahakam-ulu": (["Mahakam Ulu", "Mahulu"], ["Ujoh Bilang", "Long Bagun", "Long Apari", "Long Pahangai"]),
}
REGION_NAMES = {
    "samarinda": "Kota Samarinda", "balikpapan": "Kota Balikpapan", "bontang": "Kota Bontang",
    "kutai-kartanegara": "Kabupaten Kutai Kartanegara", "kutai-timur": "Kabupaten Kutai Timur",
    "kutai-barat": "Kabupaten Kutai Barat", "berau": "Kabupaten Berau", "paser": "Kabupaten Paser",
    "penajam-paser-utara": "Kabupaten Penajam Paser Utara", "mahakam-ulu": "Kabupaten Mahakam Ulu",
}
ROADS = {
    "samarinda": ["Jalan DI Panjaitan", "Jalan Pemuda", "Jalan Antasari", "Jalan Juanda", "Jalan Letjen Suprapto", "Jalan AW Sjahranie"],
    "balikpapan": ["Jalan MT Haryono", "Jalan Soekarno-Hatta", "Jalan Mulawarman", "Jalan Ruhui Rahayu"],
    "bontang": ["Jalan Poros Bontang-Samarinda", "Jalan MT Haryono Bontang", "Jalan Ahmad Yani Bontang"],
    "kutai-kartanegara": ["Jalan Poros Tenggarong-Kota Bangun", "Jalan Poros Samboja", "Jalan Wolter Monginsidi Tenggarong"],
    "kutai-timur": ["Jalan Poros Sangatta-Bengalon", "Jalan Poros Muara Wahau", "Jalan Soekarno-Hatta Sangatta"],
    "kutai-barat": ["Jalan Poros Melak-Barong Tongkok", "Jalan Trans Kalimantan di Kubar"],
    "berau": ["Jalan Poros Tanjung Redeb-Talisayan", "Jalan Poros Berau-Kutim"],
    "paser": ["Jalan Poros Tanah Grogot-Batu Sopang", "Jalan Poros Long Ikis"],
    "penajam-paser-utara": ["Jalan Poros Penajam-Sepaku", "Jalan Sepaku-Semoi"],
    "mahakam-ulu": ["Jalan Long Bagun-Ujoh Bilang", "Jalan Poros Kubar-Mahulu"],
}

# ---------------------------------------------------------------------------------------------
# Sources: id, name, kind of writing, format, charset, home region (None = province-wide)
SOURCES = [
    ("warta-mahakam", "Warta Mahakam", "news", "rss2", "utf-8", None),
    ("samarinda-kini", "Samarinda Kini", "news", "rss2", "utf-8", "samarinda"),
    ("balikpapan-today", "Balikpapan Today", "news", "atom", "utf-8", "balikpapan"),
    ("bontang-terkini", "Bontang Terkini", "news", "rss2", "utf-8", "bontang"),
    ("kukar-pos", "Kukar Pos", "news", "rss2", "windows-1252", "kutai-kartanegara"),
    ("kutim-satu", "Kutim Satu", "news", "rss2", "utf-8", "kutai-timur"),
    ("berau-ekspres", "Berau Ekspres", "news", "rss2", "utf-8", "berau"),
    ("paser-raya", "Paser Raya", "news", "rss1", "utf-8", "paser"),
    ("nusantara-pos", "Nusantara Pos", "news", "atom", "utf-8", "penajam-paser-utara"),
    ("hulu-mahakam", "Hulu Mahakam News", "news", "rss2", "utf-8", None),
    ("lapor-warga", "Lapor Warga Kaltim", "social", "atom", "utf-8", None),
    ("suara-netizen", "Suara Netizen Benua Etam", "social", "rss2", "utf-8", None),
]
HOME = {"kutai-barat": "hulu-mahakam", "mahakam-ulu": "hulu-mahakam"}

# ---------------------------------------------------------------------------------------------
# Issues: topic id → places, weight per day, news headline templates, leads, social posts.
# Slots: {kota} region display name, {tempat} kelurahan/kecamatan, {jalan} road, {n} number.
# A template is a string, filed under its issue's topic, or (string, [topics]) when an analyst
# would file it elsewhere or under more than one topic of the taxonomy (keywords/topics/*.toml).
# An issue's `avoid` lists places its templates must not name: there the item would belong to
# another topic.
ISSUES = {
    "banjir": dict(
        places=["samarinda", "samarinda", "kutai-kartanegara", "balikpapan", "berau", "kutai-barat", "mahakam-ulu", "bontang"],
        weight=1.6,
        news=[
            "Banjir Rendam {tempat}, Ratusan Rumah Warga {kota} Terendam",
            "Hujan Deras Semalaman, {jalan} Kembali Tergenang Banjir",
            "BPBD {kota} Catat {n} Titik Banjir Usai Hujan Lebat",
            "Warga {tempat} Mengungsi, Ketinggian Air Capai {n}0 Sentimeter",
            "Banjir di {tempat} Belum Surut, Warga Butuh Perahu dan Logistik",
            ("Drainase Tersumbat, {jalan} Jadi Langganan Genangan Air", ["banjir", "drainase"]),
            "Sungai Meluap, Permukiman di {tempat} Kebanjiran",
            "Pemkot Siapkan Posko Banjir di {tempat}",
        ],
        leads=[
            "Air mulai naik sejak dini hari dan merendam rumah warga hingga setinggi lutut orang dewasa. Petugas BPBD mendata sedikitnya {n} kepala keluarga terdampak.",
            ("Genangan setinggi {n}0 cm membuat kendaraan roda dua mogok dan arus lalu lintas tersendat. Warga berharap normalisasi drainase segera dikerjakan.", ["banjir", "drainase"]),
            "Hujan dengan intensitas tinggi sejak sore membuat anak sungai meluap. Tim gabungan mengevakuasi lansia dan anak-anak ke masjid terdekat.",
            "Banjir kali ini disebut warga sebagai yang terparah dalam setahun terakhir. Sejumlah sekolah meliburkan siswa karena ruang kelas terendam.",
            "Relawan dan petugas membagikan makanan siap saji kepada pengungsi. BPBD mengimbau warga di bantaran sungai tetap waspada karena hujan diperkirakan berlanjut.",
        ],
        social=[
            "{tempat} bnjir lg gaes, air udh selutut 😭 #banjir{kota_tag}",
            ("Jln di {tempat} udah kayak sungai, motor sy mogok ditengah genangan. kapan beres drainase nya pak?", ["banjir", "drainase"]),
            "Info: {jalan} tergenang parah, cari jalan lain ya lur. banjir dimana mana",
            "rumah mertua di {tempat} kebanjiran lagi, ini udah ketiga kalinya bulan ini. capek bgt",
            "Hujan dari sore blm berhenti, air masuk rumah di {tempat}. ada posko banjir terdekat gak?",
            "bnjir {tempat} makin tinggi, anak2 sudah kami ungsikan ke rumah saudara. mohon doanya",
        ],
    ),
    "karhutla": dict(
        places=["kutai-kartanegara", "kutai-timur", "paser", "penajam-paser-utara", "berau", "kutai-barat", "balikpapan"],
        weight=0.5,
        news=[
            "Kebakaran Lahan di {tempat} Meluas, Manggala Agni Kerahkan Regu Pemadam",
            "Satelit Deteksi {n} Titik Panas di {kota}",
            "Kabut Asap Mulai Selimuti {tempat}, Warga Diminta Kurangi Aktivitas di Luar",
            "Karhutla Hanguskan {n} Hektare Lahan di {kota}",
            "Polisi Selidiki Pembakaran Lahan di {tempat}",
        ],
        leads=[
            "Api diduga berasal dari pembukaan lahan dengan cara dibakar. Petugas kesulitan memadamkan karena sumber air jauh dari lokasi.",
            "BMKG mencatat titik panas meningkat selama sepekan terakhir seiring cuaca kering. Pemerintah daerah menyiagakan posko karhutla.",
            "Asap tebal membuat jarak pandang berkurang dan sejumlah warga mengeluhkan sesak napas. Dinas Kesehatan membagikan masker gratis.",
        ],
        social=[
            "asap dimana2 di {tempat}, mata perih. ada kebakaran lahan lagi ya?",
            "Kebakaran hutan di dekat {tempat} blm padam sejak kemarin, tolong pemadam segera turun 🙏",
            "kabut asap pagi ini parah bgt di {kota}, anak sekolah pada batuk",
        ],
    ),
    "tambang": dict(
        places=["samarinda", "kutai-kartanegara", "kutai-kartanegara", "kutai-timur", "berau", "paser"],
        weight=0.6,
        news=[
            "Tambang Ilegal Beroperasi Dekat Permukiman di {tempat}",
            "Polda Kaltim Amankan Alat Berat dari Lokasi Tambang Batu Bara Ilegal di {kota}",
            ("Anak Tenggelam di Lubang Bekas Tambang di {tempat}", ["lubang-tambang"]),
            ("Lubang Tambang Tak Direklamasi, Warga {tempat} Khawatir Jatuh Korban Lagi", ["lubang-tambang"]),
            "Aktivitas Tambang Tanpa Izin di {tempat} Rusak Jalan dan Kebun Warga",
        ],
        leads=[
            "Warga mengaku resah karena truk pengangkut batu bara melintas hingga malam hari. Mereka meminta aparat menutup tambang tanpa izin itu.",
            ("Korban diketahui bermain bersama teman-temannya di kolam bekas galian batu bara yang tidak dipagari. Jaringan advokasi tambang mencatat kejadian serupa terus berulang di Kaltim.", ["lubang-tambang"]),
            "Petugas menemukan ekskavator dan puluhan ton batu bara di lokasi. Pemilik usaha tidak dapat menunjukkan izin usaha pertambangan.",
        ],
        social=[
            "tambang ilegal di {tempat} jalan terus siang malam, aparat kemana?? #tambangilegal",
            ("lubang bekas tambang di {tempat} dibiarin terbuka gitu aja, anak2 suka main disitu. ngeri", ["lubang-tambang"]),
            "debu batu bara tiap hari masuk rumah, truk tambang ilegal lewat depan sekolah {tempat}",
        ],
    ),
    "jalan-rusak": dict(
        places=["kutai-barat", "mahakam-ulu", "kutai-timur", "paser", "berau", "samarinda", "kutai-kartanegara", "bontang", "penajam-paser-utara"],
        weight=0.9,
        news=[
            "{jalan} Rusak Parah, Truk Terperosok Lumpur",
            "Warga Tanam Pisang di Tengah {jalan} yang Berlubang",
            "Jalan Rusak di {tempat} Hambat Distribusi Sembako",
            "Warga Protes ke Dinas PUPR, {jalan} Tak Kunjung Diperbaiki",
            ("Kapal Tongkang Tabrak Pilar Jembatan Mahakam, Lalu Lintas Sungai Dihentikan", ["jembatan-mahakam"]),
            ("Jembatan Penghubung di {tempat} Ambruk, Warga Terisolasi", ["jembatan-mahakam"]),
            "Pengendara Motor Jatuh Akibat Jalan Berlubang di {jalan}",
        ],
        leads=[
            "Lubang sedalam setengah meter tersebar di sepanjang ruas jalan dan berubah menjadi kubangan saat hujan. Warga menyebut kerusakan sudah dibiarkan lebih dari setahun.",
            "Truk dan mobil harus bergantian melewati ruas jalan yang rusak, sementara warga mendorong motor yang terjebak lumpur. Dinas PUPR menyatakan perbaikan baru bisa dimulai setelah musim hujan.",
            ("Insiden tabrakan kapal dengan pilar jembatan kembali terjadi. KSOP diminta memperketat pengawasan lalu lintas kapal di bawah jembatan.", ["jembatan-mahakam"]),
        ],
        social=[
            "{jalan} hancur lebur, lubang dmn2. tiap hari lewat situ was2 😤 #jalanrusak",
            "Ini jalan apa kolam ikan? {jalan} rusak parah ga diperbaiki2",
            "Tolong pak bupati liat jalan rusak di {tempat}, ambulans aja susah lewat",
        ],
    ),
    "listrik": dict(
        places=["samarinda", "balikpapan", "bontang", "kutai-kartanegara", "berau", "kutai-timur", "paser", "mahakam-ulu"],
        weight=0.8,
        news=[
            "Listrik Padam Berjam-jam, Warga {tempat} Keluhkan Pelayanan PLN",
            "PLN Umumkan Pemadaman Bergilir di {kota}",
            "Gangguan Gardu Induk, Sebagian Wilayah {kota} Gelap Gulita",
            "Pemadaman Listrik Bikin Pedagang di {tempat} Merugi",
        ],
        leads=[
            "Pemadaman terjadi sejak pukul 19.00 Wita dan baru pulih menjelang tengah malam. PLN UP3 setempat menyebut gangguan terjadi pada jaringan penyulang.",
            "Pedagang mengaku merugi karena bahan dagangan yang disimpan di lemari pendingin rusak. Mereka meminta jadwal pemadaman diumumkan jauh hari.",
        ],
        social=[
            "mati lampu lg di {tempat}, ini udh ke 3x minggu ini. @PLN tolong lah",
            "listrik padam dari sore, kulkas isi ikan buat jualan rusak semua 😭",
            "{tempat} gelap gulita, pemadaman gak ada info sebelumnya. hp lowbat",
        ],
    ),
    "air-bersih": dict(
        places=["samarinda", "balikpapan", "bontang", "penajam-paser-utara", "kutai-kartanegara"],
        weight=0.6,
        news=[
            "Air PDAM Mati Tiga Hari, Warga {tempat} Beli Air Tandon",
            "Krisis Air Bersih Landa {tempat}",
            "Air Keruh Keluar dari Keran, Pelanggan Perumda Air Minum {kota} Mengeluh",
            "Distribusi Air Bersih Terganggu Akibat Pipa Bocor di {jalan}",
        ],
        leads=[
            ("Warga terpaksa membeli air tandon seharga ratusan ribu rupiah. Perumda air minum menyebut pasokan air baku menurun karena intake tercemar lumpur.", ["air-bersih", "pencemaran-sungai"]),
            "Aliran air hanya mengalir tengah malam dengan debit kecil. Pelanggan meminta kompensasi atas gangguan layanan.",
        ],
        social=[
            "air pdam di {tempat} mati lagi, udh 3 hari gak ngalir. mandi pake air galon 🙃",
            "air keran keruh kayak susu coklat, ini layak pakai gak sih? #airbersih {kota}",
        ],
    ),
    "bbm": dict(
        places=["balikpapan", "samarinda", "kutai-timur", "berau", "mahakam-ulu", "paser", "kutai-barat"],
        weight=0.7,
        news=[
            "Antrean Solar Mengular di SPBU {tempat}",
            "Sopir Truk Keluhkan Kelangkaan Solar di {kota}",
            ("Elpiji 3 Kg Langka, Harga di Pengecer {tempat} Tembus Rp{n}0 Ribu", ["lpg"]),
            "Harga Bensin Eceran di {tempat} Melonjak Saat Pasokan Tersendat",
        ],
        leads=[
            "Antrean kendaraan mencapai lebih dari satu kilometer sejak subuh. Pertamina menyatakan kuota solar bersubsidi sudah disalurkan sesuai jadwal.",
            ("Ibu rumah tangga harus berkeliling ke beberapa pangkalan untuk mendapatkan tabung gas melon. Dinas Perdagangan berjanji menggelar operasi pasar.", ["lpg"]),
        ],
        social=[
            "antri solar dr jam 4 subuh di SPBU {tempat}, skrg udh jam 10 blm dpt jg. sopir truk nangis",
            ("gas melon langka lg di {tempat}, udh keliling 5 warung kosong semua", ["lpg"]),
            "bensin eceran di {tempat} 20rb seliter, pertalite di spbu kosong terus",
        ],
    ),
    "sembako": dict(
        places=["samarinda", "balikpapan", "bontang", "berau", "mahakam-ulu", "kutai-kartanegara", "paser"],
        weight=0.6,
        news=[
            "Harga Cabai Rawit di Pasar {tempat} Tembus Rp{n}0 Ribu per Kilogram",
            "Harga Beras Naik, Warga {kota} Serbu Operasi Pasar",
            "Inflasi {kota} Dipicu Kenaikan Harga Bawang Merah dan Telur",
            "Harga Sembako di {tempat} Melambung, Ongkos Angkut Jadi Alasan",
        ],
        leads=[
            "Pedagang menyebut pasokan dari Sulawesi dan Jawa berkurang akibat cuaca. Dinas Perdagangan memantau harga setiap hari.",
            "Operasi pasar murah digelar untuk menekan harga. Badan Pusat Statistik mencatat kelompok bahan makanan menjadi penyumbang inflasi terbesar.",
        ],
        social=[
            "harga cabe di pasar {tempat} gila2an, 1 kilo udh {n}0rb. emak2 menjerit",
            "beras naik lg, gaji segini2 aja. gimana mau hidup di {kota} 😩",
        ],
    ),
    "ikn": dict(
        places=["penajam-paser-utara", "penajam-paser-utara", "kutai-kartanegara", "balikpapan"],
        weight=0.7,
        news=[
            "Otorita IKN Percepat Pembangunan Kawasan Inti Pusat Pemerintahan",
            ("Pemindahan ASN ke IKN Nusantara Kembali Dijadwalkan Ulang", ["ikn-asn"]),
            # Residents pressing a claim are in a land conflict (konflik-lahan) too.
            ("Warga {tempat} Tuntut Ganti Rugi Lahan Proyek IKN yang Belum Dibayar", ["ikn-lahan", "konflik-lahan"]),
            # Hiring local people first is also a labour issue (pengangguran).
            ("Pekerja Lokal Minta Diprioritaskan dalam Proyek Ibu Kota Nusantara", ["ikn-masyarakat", "pengangguran"]),
            # An adat community (ikn-masyarakat) fearing displacement (ikn-lahan).
            ("Masyarakat Adat Balik di Sepaku Khawatir Tergusur Pembangunan IKN", ["ikn-lahan", "ikn-masyarakat"]),
        ],
        leads=[
            "Otorita Ibu Kota Nusantara menyatakan pembangunan gedung perkantoran dan infrastruktur dasar terus dikebut. Ribuan pekerja konstruksi bekerja dalam beberapa sif.",
            ("Sejumlah warga mengaku nilai ganti rugi lahan proyek IKN tidak sesuai harga pasar. Mereka meminta pendampingan dari pemerintah daerah.", ["ikn-lahan", "konflik-lahan"]),
            ("Tokoh masyarakat meminta warga lokal tidak hanya menjadi penonton di tengah pembangunan ibu kota baru.", ["ikn-masyarakat"]),
        ],
        social=[
            ("proyek IKN jalan terus, tp warga {tempat} ganti rugi lahan blm cair jg. adil gak sih?", ["ikn-lahan"]),
            ("kerja di IKN katanya prioritas warga lokal, nyatanya yg diterima org luar semua #IKN", ["ikn-masyarakat", "pengangguran"]),
        ],
    ),
    "konflik-lahan": dict(
        places=["kutai-timur", "paser", "kutai-barat", "berau", "penajam-paser-utara", "kutai-kartanegara"],
        # A land conflict in the villages of IKN is an IKN land issue (ikn-lahan): see "ikn".
        avoid=["Sepaku", "Pemaluan"],
        weight=0.5,
        news=[
            "Sengketa Lahan Warga {tempat} dengan Perusahaan Sawit Memanas",
            "Petani {tempat} Duduki Lahan yang Diklaim Masuk HGU Perusahaan",
            "Masyarakat Adat {tempat} Tolak Penggusuran Kebun oleh Perusahaan",
            "DPRD Mediasi Konflik Lahan antara Warga dan Perusahaan Tambang di {kota}",
        ],
        leads=[
            "Warga mengklaim lahan tersebut sudah digarap turun-temurun sebelum izin perusahaan terbit. Aparat kepolisian berjaga untuk mencegah bentrok.",
            "Mediasi belum menemukan titik temu. Warga meminta pemerintah meninjau ulang batas hak guna usaha perusahaan.",
        ],
        social=[
            "kebun kami di {tempat} digusur perusahaan sawit tanpa ganti rugi, tolong viralkan 🙏 #konflikagraria",
            "sengketa lahan di {tempat} makin panas, warga jaga kebun siang malam",
        ],
    ),
    "pelayanan-publik": dict(
        places=["samarinda", "balikpapan", "bontang", "kutai-timur", "kutai-kartanegara", "berau", "paser"],
        weight=0.6,
        news=[
            "Ombudsman Terima Aduan Pungli Pengurusan Dokumen Kependudukan di {kota}",
            "Antrean Panjang di Disdukcapil {kota}, Blangko KTP Elektronik Habis",
            ("Pasien Keluhkan Pelayanan Lambat di RSUD {kota}", ["layanan-kesehatan", "pelayanan-publik"]),
            "Oknum Petugas Diduga Minta Uang Pelicin untuk Urus Izin Usaha di {tempat}",
        ],
        leads=[
            "Warga mengaku diminta membayar sejumlah uang agar berkas segera diproses. Ombudsman meminta masyarakat melapor bila menemukan praktik serupa.",
            "Warga sudah datang sejak subuh namun belum juga dilayani hingga siang. Pemerintah daerah berjanji menambah loket layanan.",
        ],
        social=[
            "urus KTP di disdukcapil {kota} dimintain uang 200rb biar cepet. pungli terang2an",
            ("pelayanan RSUD {kota} lambat bgt, pasien nunggu dari pagi blm dipanggil", ["layanan-kesehatan", "pelayanan-publik"]),
            "ngurus surat di kelurahan {tempat} dioper2 terus, pelayanan publik macam apa ini",
        ],
    ),
    "hoaks": dict(
        places=["samarinda", "balikpapan", "bontang", "kutai-kartanegara", "penajam-paser-utara", "berau"],
        weight=0.4,
        news=[
            "Diskominfo Kaltim Pastikan Kabar Bendungan Jebol di {tempat} Hoaks",
            "Beredar Pesan Berantai Soal Penculikan Anak di {kota}, Polisi: Itu Hoaks",
            "Video Lama Disebar Ulang dengan Narasi Menyesatkan, Warga Diminta Cek Fakta",
        ],
        leads=[
            "Informasi yang beredar melalui pesan berantai WhatsApp itu dipastikan tidak benar. Masyarakat diminta tidak ikut menyebarkan kabar yang belum jelas sumbernya.",
            "Tim siber menelusuri akun penyebar pertama. Pemerintah daerah mengimbau warga memeriksa informasi melalui kanal resmi.",
        ],
        social=[
            "ada yg tau bener gak info di grup wa soal {tempat}? kayaknya hoaks deh, jgn disebar dulu",
            "stop sebar hoaks! berita soal {tempat} itu udh dibantah pemkot",
        ],
    ),
}

# Items that must not be tagged: the issues' words in another sense, and ordinary news.
CONTROLS = [
    ("Banjir Diskon Akhir Pekan di Mal {kota}", "Pusat perbelanjaan menggelar promo besar-besaran. Pengunjung memadati tenant pakaian dan elektronik sejak pagi."),
    ("Toko Kue di {tempat} Kebanjiran Pesanan Jelang Natal", "Pemilik toko kue kering mengaku pesanan naik dua kali lipat. Mereka menambah karyawan musiman."),
    ("Tips Jalan-jalan Hemat ke Pulau Derawan", "Wisatawan bisa menekan biaya dengan berangkat berombongan. Musim terbaik berkunjung adalah saat laut tenang."),
    ("Api Semangat Atlet Kaltim Tak Pernah Padam Jelang Porprov", "Para atlet menjalani latihan intensif di Stadion Segiri. Pelatih optimistis target medali terpenuhi."),
    ("Festival Erau Tenggarong Dipadati Ribuan Pengunjung", "Rangkaian upacara adat berlangsung meriah. Pedagang kaki lima kebagian rezeki."),
    ("Pesut Mahakam Terlihat Muncul di Perairan Muara Kaman", "Kemunculan mamalia langka itu disambut gembira warga. Peneliti mengingatkan pentingnya menjaga kebersihan sungai."),
    ("Konser Musik Amal di GOR Segiri Samarinda Berlangsung Meriah", "Antrean penonton mengular sejak sore. Hasil penjualan tiket disumbangkan untuk panti asuhan."),
    ("Resep Nasi Kuning Khas Samarinda yang Mudah Dibuat di Rumah", "Nasi kuning dengan lauk ikan haruan menjadi menu sarapan favorit. Kunci rasanya ada pada santan dan kunyit segar."),
    ("Mahasiswa {kota} Juara Lomba Debat Tingkat Nasional", "Tim mahasiswa mengalahkan puluhan perguruan tinggi lain. Rektor memberikan penghargaan kepada para juara."),
    ("Borneo FC Tundukkan Tamu di Stadion Segiri", "Gol tunggal di babak kedua memastikan tiga poin. Pelatih memuji disiplin lini belakang."),
    ("Lomba Perahu Naga Meriahkan Tepian Mahakam", "Puluhan tim dari berbagai kabupaten ambil bagian. Penonton memadati tepian sungai."),
    ("Pameran Batik dan Tenun Ulap Doyo Dibuka di {kota}", "Perajin tenun dari Kutai Barat memamerkan motif tradisional. Pengunjung bisa mencoba menenun langsung."),
]
SOCIAL_CONTROLS = [
    "weekend ini jalan-jalan ke pantai Manggar yuk, cuacanya cerah 🌞",
    "banjir diskon di marketplace, dompet menangis wkwk",
    "semangat kerja gaes, jangan biarkan api semangat padam 🔥",
    "nonton bola di Segiri rame bgt, Borneo menang lagi!",
    "kuliner malam di tepian Mahakam enak2, recommended",
    "ada yg tau les gitar bagus di {kota}?",
]

# Press releases syndicated by several sites: same body, their own headlines; the topics of all.
SYNDICATED = [
    (["banjir"], "samarinda", ["warta-mahakam", "samarinda-kini", "kukar-pos", "hulu-mahakam"], [
        "Pemprov Kaltim Salurkan Bantuan untuk Korban Banjir Samarinda",
        "Bantuan Pemprov untuk Korban Banjir Samarinda Mulai Disalurkan",
        "Korban Banjir di Samarinda Terima Bantuan Logistik Pemprov",
        "Pemprov Kirim Logistik ke Posko Banjir Samarinda",
    ], "Pemerintah Provinsi Kalimantan Timur menyalurkan bantuan beras, mi instan, selimut dan air mineral kepada warga terdampak banjir di Kota Samarinda. Bantuan diserahkan melalui BPBD untuk dibagikan ke posko-posko pengungsian di Sempaja, Bengkuring dan Temindung Permai. Gubernur meminta OPD terkait memastikan tidak ada warga yang terlewat.", 0.2),
    (["banjir"], "kutai-kartanegara", ["warta-mahakam", "kukar-pos", "hulu-mahakam"], [
        "BPBD Kaltim Tetapkan Siaga Banjir untuk Daerah Aliran Sungai Mahakam",
        "Status Siaga Banjir Ditetapkan di Sepanjang DAS Mahakam",
        "Waspada Banjir, BPBD Kaltim Naikkan Status Siaga",
    ], "BPBD Provinsi Kalimantan Timur menetapkan status siaga banjir untuk wilayah di sepanjang daerah aliran Sungai Mahakam, termasuk Kutai Kartanegara, Kutai Barat dan Mahakam Ulu. Masyarakat di bantaran sungai diminta mengamankan dokumen penting dan mengikuti arahan petugas bila air terus naik.", 0.6),
    (["ikn-lahan"], "penajam-paser-utara", ["warta-mahakam", "nusantara-pos", "balikpapan-today"], [
        "Otorita IKN Tegaskan Ganti Rugi Lahan Warga Sepaku Dibayar Bertahap",
        "Ganti Rugi Lahan Proyek IKN di Sepaku Akan Dibayar Bertahap",
        "Soal Ganti Rugi Lahan Warga Sepaku, Ini Penjelasan Otorita IKN",
    ], "Otorita Ibu Kota Nusantara menyatakan ganti rugi lahan warga Sepaku yang terdampak pembangunan akan dibayarkan bertahap setelah verifikasi dokumen selesai. Warga diminta melengkapi dokumen kepemilikan lahan di kantor desa agar pembayaran tidak tertunda.", 3.4),
    (["hoaks"], "samarinda", ["warta-mahakam", "samarinda-kini", "bontang-terkini"], [
        "Diskominfo Kaltim: Pesan Berantai Bendungan Benanga Jebol Adalah Hoaks",
        "Kabar Bendungan Benanga Jebol Dipastikan Hoaks",
        "Hoaks Bendungan Benanga Jebol Beredar di Grup WhatsApp",
    ], "Dinas Komunikasi dan Informatika Kalimantan Timur memastikan pesan berantai yang menyebut Bendungan Benanga di Samarinda jebol adalah hoaks. Kondisi bendungan dalam keadaan aman dan terus dipantau petugas. Masyarakat diminta tidak menyebarkan informasi yang belum terverifikasi.", 0.9),
    (["listrik"], "samarinda", ["warta-mahakam", "samarinda-kini", "kukar-pos", "bontang-terkini"], [
        "PLN Minta Maaf atas Pemadaman Listrik di Samarinda dan Sekitarnya",
        "Pemadaman Listrik Meluas, PLN UIW Kaltimra Sampaikan Permohonan Maaf",
        "PLN Jelaskan Penyebab Listrik Padam di Sejumlah Wilayah Kaltim",
        "Listrik Padam di Samarinda dan Bontang, PLN Ungkap Penyebabnya",
    ], "PLN menyampaikan permohonan maaf atas pemadaman listrik yang terjadi di Samarinda, Kutai Kartanegara dan Bontang. Gangguan disebabkan kerusakan pada jaringan transmisi akibat pohon tumbang saat cuaca buruk. Petugas bekerja memulihkan pasokan secara bertahap.", 5.3),
]

SLUGS = {}


def slug(text):
    base = "".join(c.lower() if c.isalnum() else "-" for c in text)
    base = "-".join(p for p in base.split("-") if p)[:70]
    n = SLUGS.get(base, 0)
    SLUGS[base] = n + 1
    return base if n == 0 else f"{base}-{n + 1}"


NAMED = []
# Place names that are also ordinary words or places elsewhere in Indonesia: the gazetteer marks
# them ambiguous, and Pantau counts them only with Kalimantan Timur context in the same post.
AMBIGUOUS = {"Kota Bangun", "Batu Ampar", "Air Hitam", "Sungai Pinang", "Sidodadi", "Tanjung Laut",
             "Guntung", "Talisayan"}


# A broad topic steps aside when one of its narrower topics is present (the `narrower` lists in
# keywords/topics/).
NARROWER = {
    "ikn": {"ikn-asn", "ikn-lahan", "ikn-masyarakat"},
    "kriminalitas": {"narkoba", "korupsi", "konflik-sosial", "hoaks"},
    "konflik-lahan": {"ikn-lahan", "ikn-masyarakat"},
    "disiplin-asn": {"gaji-guru"},
    "anggaran": {"korupsi"},
    "layanan-kesehatan": {"stunting", "dbd-malaria"},
    "transportasi": {"jembatan-mahakam"},
}


def text_and_topics(entry, topic):
    """A template's text and topics: (text, [topics]), or a bare text filed under `topic`."""
    return entry if isinstance(entry, tuple) else (entry, [topic])


def labels(*parts):
    """The topics of an item made of the given templates' topics."""
    topics = set().union(*parts)
    for broad, narrower in NARROWER.items():
        if topics & narrower:
            topics.discard(broad)
    return sorted(topics)


def fill(template, region, avoid=()):
    """Fills a template's slots; notes whether it named the place, and how clearly."""
    names, places = PLACES[region]
    kota = rng.choice(names)
    tempat = rng.choice(places)
    while tempat in avoid:  # the next place instead, so that the random draws stay the same
        tempat = places[(places.index(tempat) + 1) % len(places)]
    if "{kota" in template:
        NAMED.append("clear")
    if "{tempat}" in template:
        NAMED.append("ambiguous" if tempat in AMBIGUOUS else "clear")
    return template.format(
        kota=kota,
        kota_tag=kota.replace(" ", ""),
        tempat=tempat,
        jalan=rng.choice(ROADS[region]),
        n=rng.randint(2, 9),
    )


def daytime(day_start):
    """A time of day weighted to waking hours (WITA), never after the anchor."""
    while True:
        hour = rng.choices(range(24), weights=[1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2])[0]
        when = day_start + timedelta(hours=hour, minutes=rng.randint(0, 59))
        if when < ANCHOR:
            return when


items = {s[0]: [] for s in SOURCES}
expected = []


def home_region(source):
    return next(s[5] for s in SOURCES if s[0] == source)


def pick_source(region, kind):
    if kind == "social":
        return rng.choice(["lapor-warga", "suara-netizen"])
    home = HOME.get(region) or next((s[0] for s in SOURCES if s[5] == region), None)
    choices = ["warta-mahakam"] + ([home] * 3 if home else [])
    return rng.choice(choices)


SEEN = set()


def add(source, title, text, when, topics, region, author=None):
    """Adds an item unless the source already has one with the same words (Pantau would store
    it once, as it should); returns whether it was added."""
    # The expected region is only known when the text names the place; otherwise it may come
    # from a landmark in the text (IKN, a bridge) or from the source's default region.
    named = "clear" in NAMED or ("ambiguous" in NAMED and home_region(source) is not None)
    NAMED.clear()
    if not named:
        region = None
    key = (source, " ".join(((title or "") + " " + text).lower().split()))
    if key in SEEN:
        return False
    SEEN.add(key)
    guid = f"https://{source}.example/berita/{slug(title or text[:60])}"
    items[source].append(dict(title=title, text=text, when=when, guid=guid, author=author))
    expected.append(dict(source=source, id=guid, topics=topics, region=region))
    return True


def add_generated(make):
    """Calls make() until it produces an item that is not a repeat."""
    for _ in range(50):
        if make():
            return


start = ANCHOR - timedelta(days=DAYS - 1)
for day in range(DAYS):
    day_start = (start + timedelta(days=day)).replace(hour=0, minute=0)
    for topic, spec in ISSUES.items():
        # Background: a few items a day per issue, with noise.
        n = sum(rng.random() < min(0.9, spec["weight"] * 0.85) for _ in range(7))
        if topic == "banjir":
            n = rng.choice([0, 1, 1, 2])
        for _ in range(n):
            def make(topic=topic, spec=spec):
                region = rng.choice(spec["places"])
                avoid = spec.get("avoid", ())
                when = daytime(day_start)
                if rng.random() < 0.35:
                    source = pick_source(region, "social")
                    text, topics = text_and_topics(rng.choice(spec["social"]), topic)
                    return add(source, None, fill(text, region, avoid), when, labels(topics), region, author="@" + rng.choice(["warga_smd", "kaltimbersuara", "anakmahakam", "emak_bpp", "sopirtruk_kutim", "pemudaberau", "infokukar", "netizen_ppu"]))
                source = pick_source(region, "news")
                title, title_topics = text_and_topics(rng.choice(spec["news"]), topic)
                title = fill(title, region, avoid)
                lead, lead_topics = text_and_topics(rng.choice(spec["leads"]), topic)
                return add(source, title, fill(lead, region, avoid), when, labels(title_topics, lead_topics), region, author=rng.choice(["Redaksi", "Tim Liputan", "Kontributor Daerah", None]))
            add_generated(make)
    # Controls: two to four a day.
    for _ in range(rng.randint(3, 6)):
        def make():
            region = rng.choice(list(PLACES))
            when = daytime(day_start)
            if rng.random() < 0.4:
                return add(rng.choice(["lapor-warga", "suara-netizen"]), None, fill(rng.choice(SOCIAL_CONTROLS), region), when, [], None)
            title, lead = rng.choice(CONTROLS)
            return add(pick_source(region, "news"), fill(title, region), fill(lead, region), when, [], None)
        add_generated(make)

# The rising issue: flooding over the last day, in news and social posts alike.
for _ in range(60):
    def make():
        region = rng.choice(["samarinda"] * 5 + ["kutai-kartanegara"] * 3 + ["kutai-barat", "mahakam-ulu", "balikpapan", "berau"])
        when = ANCHOR - timedelta(minutes=rng.randint(1, 22 * 60))
        spec = ISSUES["banjir"]
        if rng.random() < 0.5:
            source = pick_source(region, "social")
            text, topics = text_and_topics(rng.choice(spec["social"]), "banjir")
            return add(source, None, fill(text, region), when, labels(topics), region, author="@" + rng.choice(["warga_smd", "anakmahakam", "infokukar", "relawan_smd", "ibu_sempaja"]))
        source = pick_source(region, "news")
        title, title_topics = text_and_topics(rng.choice(spec["news"]), "banjir")
        title = fill(title, region)
        lead, lead_topics = text_and_topics(rng.choice(spec["leads"]), "banjir")
        return add(source, title, fill(lead, region), when, labels(title_topics, lead_topics), region, author="Redaksi")
    add_generated(make)

# Syndicated press releases.
for topics, region, sources, titles, body, days_ago in SYNDICATED:
    base = ANCHOR - timedelta(days=days_ago)
    for i, source in enumerate(sources):
        add(source, titles[i % len(titles)], body, base + timedelta(minutes=17 * i + rng.randint(0, 9)), labels(topics), region, author="Humas")

# Newest item exactly at the anchor, so the shift is well defined.
add("lapor-warga", None, "Air terus naik di Sempaja, warga mulai mengungsi ke masjid. #banjirsamarinda", ANCHOR, ["banjir"], "samarinda", author="@ibu_sempaja")

# ---------------------------------------------------------------------------------------------
# Writing the feeds

def rfc822(dt):
    return dt.strftime("%a, %d %b %Y %H:%M:%S +0800")


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def html_lead(text):
    # News sites put HTML in their descriptions; the poller must turn it into text.
    return f"<p>{escape(text)}</p>"


def write_rss2(sid, name, entries, charset):
    lines = [f'<?xml version="1.0" encoding="{charset}"?>',
             '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">', "<channel>",
             f"<title>{escape(name)}</title>", f"<link>https://{sid}.example/</link>",
             f"<description>Berita dan unggahan {escape(name)}</description>", "<language>id-ID</language>"]
    for e in entries:
        lines.append("<item>")
        if e["title"]:
            lines.append(f"<title>{escape(e['title'])}</title>")
        link = e["guid"] + "?utm_source=rss&utm_medium=feed"
        lines.append(f"<link>{escape(link)}</link>")
        lines.append(f"<guid isPermaLink=\"true\">{escape(e['guid'])}</guid>")
        lines.append(f"<pubDate>{rfc822(e['when'])}</pubDate>")
        if e["author"]:
            lines.append(f"<dc:creator>{escape(e['author'])}</dc:creator>")
        body = html_lead(e["text"]) if e["title"] else escape(e["text"])
        lines.append(f"<description>{escape(body)}</description>")
        lines.append("</item>")
    lines += ["</channel>", "</rss>", ""]
    return "\n".join(lines)


def write_rss1(sid, name, entries, charset):
    lines = [f'<?xml version="1.0" encoding="{charset}"?>',
             '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
             f'<channel rdf:about="https://{sid}.example/"><title>{escape(name)}</title><link>https://{sid}.example/</link>'
             f"<description>Berita {escape(name)}</description><dc:language>id</dc:language></channel>"]
    for e in entries:
        lines.append(f'<item rdf:about="{escape(e["guid"])}">')
        lines.append(f"<title>{escape(e['title'] or e['text'][:80])}</title>")
        lines.append(f"<link>{escape(e['guid'])}</link>")
        lines.append(f"<description>{escape(e['text'])}</description>")
        lines.append(f"<dc:date>{rfc3339(e['when'])}</dc:date>")
        if e["author"]:
            lines.append(f"<dc:creator>{escape(e['author'])}</dc:creator>")
        lines.append("</item>")
    lines += ["</rdf:RDF>", ""]
    return "\n".join(lines)


def write_atom(sid, name, entries, charset):
    updated = max(e["when"] for e in entries)
    lines = [f'<?xml version="1.0" encoding="{charset}"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="id">',
             f"<title>{escape(name)}</title>", f'<link href="https://{sid}.example/"/>',
             f"<id>tag:{sid}.example,2026:feed</id>", f"<updated>{rfc3339(updated)}</updated>"]
    for e in entries:
        lines.append("<entry>")
        if e["title"]:
            lines.append(f'<title type="html">{escape(e["title"])}</title>')
        else:
            lines.append(f"<title>{escape(e['text'][:80])}</title>")
        lines.append(f'<link rel="alternate" href="{escape(e["guid"])}"/>')
        lines.append(f"<id>{escape(e['guid'])}</id>")
        lines.append(f"<published>{rfc3339(e['when'])}</published>")
        lines.append(f"<updated>{rfc3339(e['when'])}</updated>")
        if e["author"]:
            lines.append(f"<author><name>{escape(e['author'])}</name></author>")
        lines.append(f'<content type="html">{escape(html_lead(e["text"]))}</content>')
        lines.append("</entry>")
    lines += ["</feed>", ""]
    return "\n".join(lines)


WRITERS = {"rss2": write_rss2, "rss1": write_rss1, "atom": write_atom}
# The legacy-charset site writes typographic quotes and dashes, as old CMSes do.
LEGACY_TOUCH = [("mengatakan", "mengatakan"), (" - ", " \u2013 ")]

os.makedirs(OUT, exist_ok=True)
total = 0
for sid, name, kind, fmt, charset, region in SOURCES:
    entries = sorted(items[sid], key=lambda e: e["when"], reverse=True)
    if charset != "utf-8":
        for e in entries:
            if e["title"]:
                e["title"] = e["title"].replace("Hoaks", "\u201cHoaks\u201d")
            e["text"] = e["text"].replace(" sejak ", " \u2013 sejak ", 1)
    xml = WRITERS[fmt](sid, name, entries, charset)
    with open(os.path.join(OUT, f"{sid}.xml"), "wb") as f:
        f.write(xml.encode(charset))
    total += len(entries)
    print(f"{sid:18} {fmt:5} {charset:12} {len(entries):3} items")

with open(os.path.join(os.path.dirname(OUT), "expected.jsonl"), "w", encoding="utf-8") as f:
    for row in sorted(expected, key=lambda r: (r["source"], r["id"])):
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
print(f"total {total} items; {sum(1 for r in expected if not r['topics'])} controls")
