//! The `[briefing]` values of the telaahan staf's head and signature block, read and checked
//! with the rest of the configuration; the briefing (`digest::letter`) prints them.

/// The addressee when `[briefing] kepada` is not set.
pub const DEFAULT_KEPADA: &str =
    "Kepala Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur";
/// The sender when `[briefing] dari` is not set.
pub const DEFAULT_DARI: &str = "Analis Pemantauan Isu";
/// Where the letter is signed ("Samarinda, 7 Desember 2026") when `[briefing] tempat` is not
/// set: the provincial capital, where the provincial offices sit.
pub const DEFAULT_TEMPAT: &str = "Samarinda";
/// The nature of the letter when `[briefing] sifat` is not set.
pub const DEFAULT_SIFAT: &str = "Biasa";

/// The `[briefing]` values of the head and signature, as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    pub kepada: String,
    pub dari: String,
    pub sifat: String,
    /// The letterhead's logo as a `data:` URI (so the briefing fetches nothing); `None` draws
    /// Pantau's own seal.
    pub logo: Option<String>,
    pub jabatan: String,
    /// Empty: the block leaves a blank line to sign and write the name on by hand.
    pub nama: String,
    /// 18 digits, or empty.
    pub nip: String,
    /// The place of signing, before the date in the signature block.
    pub tempat: String,
}

impl Default for Letter {
    fn default() -> Self {
        Letter {
            kepada: DEFAULT_KEPADA.into(),
            dari: DEFAULT_DARI.into(),
            sifat: DEFAULT_SIFAT.into(),
            logo: None,
            // A telaahan staf is signed by the staff who wrote it.
            jabatan: DEFAULT_DARI.into(),
            nama: String::new(),
            nip: String::new(),
            tempat: DEFAULT_TEMPAT.into(),
        }
    }
}

/// A NIP (Nomor Induk Pegawai) as written in config: 18 digits, spaces between groups allowed
/// and dropped. Empty means none.
pub fn parse_nip(text: &str) -> Result<String, String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Ok(digits);
    }
    if digits.len() != 18 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "NIP \"{}\" tidak sah: harus 18 angka (spasi boleh)",
            text.trim()
        ));
    }
    Ok(digits)
}
