//! Account cryptography: password hashes, random tokens and ids, digests, and encryption at rest.
//!
//! A base module: it knows nothing of HTTP, the store or the terminal. Passwords are hashed with
//! Argon2id; bcrypt hashes imported from WebEDT still verify and ask to be rehashed. Secrets kept
//! in the store are sealed with AES-256-GCM under one server key ([`SecretBox`]).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::{
    STANDARD_PAD_INDIFFERENT, URL_SAFE_NO_PAD, URL_SAFE_PAD_INDIFFERENT,
};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Argon2id memory cost in KiB (OWASP's first choice).
const M_COST: u32 = 19_456;
/// Argon2id passes.
const T_COST: u32 = 2;
/// Argon2id lanes.
const P_COST: u32 = 1;
/// Argon2id output length in bytes.
const HASH_LEN: usize = 32;
/// Salt length in bytes.
const SALT_LEN: usize = 16;
/// Our Argon2id parameters, checked when this file compiles.
const PARAMS: Params = match Params::new(M_COST, T_COST, P_COST, Some(HASH_LEN)) {
    Ok(params) => params,
    Err(_) => panic!("invalid Argon2 parameters"),
};
/// The most memory (KiB: 256 MiB) a stored Argon2 hash may ask for: a stored hash asking for more
/// is refused, so that one bad row cannot make a login exhaust the server's memory.
const MAX_M_COST: u32 = 1 << 18;
/// The most passes a stored Argon2 hash may ask for, so that one login cannot hold a core for
/// minutes.
const MAX_T_COST: u32 = 16;
/// The highest bcrypt cost accepted, for the same reason (WebEDT used 10; each step doubles the
/// work).
const MAX_BCRYPT_COST: u32 = 14;

/// The hasher with our parameters.
static ARGON2: LazyLock<Argon2<'static>> =
    LazyLock::new(|| Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS));

/// A hash that [`burn_password_time`] verifies against; made once, on first use.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("clauded: no such account"));

/// The prefix of a sealed value.
const SEALED_PREFIX: &str = "v1:";
/// AES-GCM tag length in bytes.
const TAG_LEN: usize = 16;
/// Salt and info of the key derivation from a passphrase.
const KDF_LABEL: &[u8] = b"clauded secret box v1";

/// Cryptography failures. No message includes key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The server key text is empty.
    #[error(
        "the secret key is empty: set CLAUDED_SECRET_KEY to 64 hex characters, base64 of 32 bytes or a long random passphrase"
    )]
    EmptyKey,
    /// The key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The key file does not hold a key.
    #[error(
        "{path} is not a key file (64 hex characters expected): restore the right one; a new key cannot open what the old one sealed"
    )]
    BadKeyFile {
        /// The file.
        path: PathBuf,
    },
    /// The value does not start with the sealed prefix.
    #[error("not a sealed value (no \"v1:\" prefix)")]
    NotSealed,
    /// The sealed value is not valid base64 or too short to hold a nonce and a tag.
    #[error("the sealed value is damaged (bad base64 or too short)")]
    Malformed,
    /// Authentication failed: another key sealed it, or it was altered.
    #[error("the sealed value does not open with this key (a different key, or it was altered)")]
    Unopenable,
    /// The opened value is not UTF-8 text.
    #[error("the opened value is not UTF-8 text")]
    NotText,
}

/// The outcome of [`verify_password`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The password matches the stored hash.
    pub ok: bool,
    /// The password matches, but the stored hash is not Argon2id with our parameters: store
    /// `hash_password(password)` in its place.
    pub rehash: bool,
}

impl Verified {
    /// No match.
    const NO: Verified = Verified {
        ok: false,
        rehash: false,
    };
}

/// Hashes a password with Argon2id (m=19456 KiB, t=2, p=1) and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt);
    ARGON2
        .hash_password_with_salt(password.as_bytes(), &salt)
        // fails only for a salt or parameters out of Argon2's bounds, and ours are fixed
        .expect("Argon2id hashing with fixed parameters")
        .to_string()
}

/// Checks a password against a stored Argon2 PHC string or bcrypt (`$2a$`, `$2b$`, `$2y$`) hash.
///
/// A malformed stored string does not match.
pub fn verify_password(password: &str, stored: &str) -> Verified {
    if stored.starts_with("$argon2") {
        verify_argon2(password, stored)
    } else if ["$2a$", "$2b$", "$2y$"]
        .iter()
        .any(|p| stored.starts_with(p))
    {
        // the crate also takes $2x$ (the old buggy variant), which we never had
        let cost = stored.get(4..6).and_then(|c| c.parse::<u32>().ok());
        if cost.is_none_or(|c| c > MAX_BCRYPT_COST) {
            return Verified::NO;
        }
        let ok = bcrypt::verify(password, stored).unwrap_or(false);
        Verified { ok, rehash: ok }
    } else {
        Verified::NO
    }
}

/// Verifies against an Argon2 PHC string with whatever parameters it names.
fn verify_argon2(password: &str, stored: &str) -> Verified {
    let Ok(hash) = PasswordHash::new(stored) else {
        return Verified::NO;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return Verified::NO;
    };
    if params.m_cost() > MAX_M_COST || params.t_cost() > MAX_T_COST {
        return Verified::NO;
    }
    // the PHC string's algorithm, version and parameters are used, not ARGON2's
    let ok = ARGON2.verify_password(password.as_bytes(), &hash).is_ok();
    let current = hash.algorithm.as_str() == "argon2id"
        && hash.version == Some(u32::from(Version::V0x13))
        && params.m_cost() == M_COST
        && params.t_cost() == T_COST
        && params.p_cost() == P_COST
        && params.output_len() == Some(HASH_LEN);
    Verified {
        ok,
        rehash: ok && !current,
    }
}

/// Spends the time of one password check, so that a login for an unknown account takes as long
/// as one with a wrong password.
pub fn burn_password_time(password: &str) {
    let _ = verify_password(password, &DUMMY_HASH);
}

/// A prefix followed by `bytes` random bytes in lowercase base32 (RFC 4648 alphabet, no padding).
pub fn random_token(prefix: &str, bytes: usize) -> String {
    let mut random = vec![0u8; bytes];
    fill_random(&mut random);
    let mut token = String::with_capacity(prefix.len() + (bytes * 8).div_ceil(5));
    token.push_str(prefix);
    push_base32(&mut token, &random);
    token
}

/// A new user id: 16 random lowercase base32 characters, as WebEDT (Lucia) makes them.
pub fn new_user_id() -> String {
    random_token("", 10)
}

/// The SHA-256 digest of a string, in lowercase hex.
pub fn sha256_hex(s: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, s.as_bytes()).as_ref())
}

/// The SHA-256 digest of a string in unpadded base64url: PKCE's S256 code challenge.
pub fn sha256_base64url(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, s.as_bytes()))
}

/// Compares two byte strings in time that depends on their length only, not on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // keeps the optimizer from turning the fold into an early exit
    std::hint::black_box(diff) == 0
}

/// Encrypts and decrypts secrets at rest (AES-256-GCM) under the server key.
#[derive(Clone)]
pub struct SecretBox {
    /// The AES-256-GCM key.
    key: LessSafeKey,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBox").finish_non_exhaustive()
    }
}

impl SecretBox {
    /// A box with a fresh random key, for a process whose sealed values need not outlive it
    /// (tests, and until `serve` sets the server's key).
    pub fn random() -> SecretBox {
        let mut key = [0u8; 32];
        fill_random(&mut key);
        SecretBox::from_key(&key)
    }

    /// The box for a server key given as text (`CLAUDED_SECRET_KEY`, `SESSION_SECRET`).
    ///
    /// 64 hex characters or base64 of 32 bytes are the key itself; any other text is a passphrase
    /// that the key is derived from with HKDF-SHA256. HKDF does not slow down guessing, so a
    /// passphrase should be long and random. Surrounding whitespace is ignored.
    pub fn from_key_text(text: &str) -> Result<SecretBox, CryptoError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CryptoError::EmptyKey);
        }
        if let Some(key) = decode_hex_key(text).or_else(|| decode_base64_key(text)) {
            return Ok(SecretBox::from_key(&key));
        }
        let mut key = [0u8; 32];
        ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, KDF_LABEL)
            .extract(text.as_bytes())
            .expand(&[KDF_LABEL], &AES_256_GCM)
            .and_then(|okm| okm.fill(&mut key))
            // fails only for an output longer than 255 hashes, and ours is one
            .expect("HKDF-SHA256 expansion to 32 bytes");
        Ok(SecretBox::from_key(&key))
    }

    /// The box for the key in a key file (64 hex characters and a newline), made when absent.
    ///
    /// A new file is written with mode 0600 and appears whole or not at all, so that two
    /// processes starting together both use the one that got there first. A file that others can
    /// read is still used: see [`SecretBox::file_is_private`].
    pub fn load_or_create(path: &Path) -> Result<SecretBox, CryptoError> {
        let io = |source| CryptoError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return SecretBox::from_file_text(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent).map_err(|source| CryptoError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut key = [0u8; 32];
        fill_random(&mut key);
        // written under a unique name, then linked into place: the link fails if the file
        // exists, like create_new, but a racing reader never sees it half written
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let temp = path.with_file_name(random_token(&format!(".{name}."), 8));
        let written = write_private(&temp, format!("{}\n", hex(&key)).as_bytes())
            .and_then(|()| std::fs::hard_link(&temp, path));
        let _ = std::fs::remove_file(&temp);
        match written {
            Ok(()) => Ok(SecretBox::from_key(&key)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(io)?;
                SecretBox::from_file_text(path, &text)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Whether a key file is readable by its owner only (no group or other bits). Off Unix, whether
    /// it exists. False when it cannot be looked at.
    pub fn file_is_private(path: &Path) -> bool {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            meta.permissions().mode() & 0o077 == 0
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            true
        }
    }

    /// Encrypts text: `v1:` and the base64url (no padding) of a random 96-bit nonce, the
    /// ciphertext and the tag.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let mut buf = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(plaintext.as_bytes());
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut buf[NONCE_LEN..],
            )
            // fails only past GCM's limit of about 64 GiB in one message
            .expect("AES-GCM sealing");
        buf.extend_from_slice(tag.as_ref());
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(&buf))
    }

    /// Decrypts what [`SecretBox::seal`] made with the same key.
    pub fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let body = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(CryptoError::NotSealed)?;
        let mut buf = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Malformed)?;
        if buf.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, in_out) = buf.split_at_mut(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Malformed)?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::empty(), in_out)
            .map_err(|_| CryptoError::Unopenable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| CryptoError::NotText)
    }

    /// Whether a string has the shape of a sealed value (prefix, base64url, room for nonce and
    /// tag); says nothing of the key.
    pub fn is_sealed(s: &str) -> bool {
        s.strip_prefix(SEALED_PREFIX)
            .and_then(|body| URL_SAFE_NO_PAD.decode(body).ok())
            .is_some_and(|buf| buf.len() >= NONCE_LEN + TAG_LEN)
    }

    /// The box for 32 key bytes.
    fn from_key(key: &[u8; 32]) -> SecretBox {
        let key = UnboundKey::new(&AES_256_GCM, key)
            // fails only for a key of the wrong length, and the type fixes it
            .expect("an AES-256 key is 32 bytes");
        SecretBox {
            key: LessSafeKey::new(key),
        }
    }

    /// The box for a key file's text.
    fn from_file_text(path: &Path, text: &str) -> Result<SecretBox, CryptoError> {
        decode_hex_key(text.trim())
            .map(|key| SecretBox::from_key(&key))
            .ok_or_else(|| CryptoError::BadKeyFile {
                path: path.to_path_buf(),
            })
    }
}

/// Fills a buffer from the OS random number generator.
fn fill_random(buf: &mut [u8]) {
    // nothing secure can be made without it, and it fails only on a broken system
    SystemRandom::new()
        .fill(buf)
        .expect("the OS random number generator failed");
}

/// Appends lowercase base32 (RFC 4648 alphabet, no padding).
fn push_base32(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut buffer = 0u32;
    let mut bits = 0;
    for &byte in bytes {
        buffer = ((buffer << 8) | u32::from(byte)) & 0xfff;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A 32-byte key from exactly 64 hex characters (either case).
fn decode_hex_key(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (byte, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *byte = ((high << 4) | low) as u8;
    }
    Some(key)
}

/// A 32-byte key from base64 (standard or URL-safe alphabet, padded or not).
fn decode_base64_key(text: &str) -> Option<[u8; 32]> {
    [STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
}

/// Creates a directory and its parents, those it creates readable by the owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes a new file (never an existing one) readable by the owner only, and syncs it.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Known hashes for tests elsewhere.
#[cfg(test)]
pub(crate) mod tests_support {
    /// Made by Apache's htpasswd 2.4.71 (APR's bcrypt, not the crate we verify with):
    /// `htpasswd -bnBC 10 webedt 'correct horse battery staple'`.
    pub(crate) const HTPASSWD_BCRYPT_10: &str =
        "$2y$10$7moEGihLQl/wxOCJdAe3puDdXxgdOUsBvmdK1X08YfrdRSaNN5QU6";
    /// Its password.
    pub(crate) const HTPASSWD_PASSWORD: &str = "correct horse battery staple";
}

#[cfg(test)]
mod tests {
    use super::tests_support::HTPASSWD_BCRYPT_10;
    use super::*;

    #[test]
    fn hash_and_verify_round_trip() {
        let stored = hash_password("hunter2 hunter2");
        assert_eq!(
            verify_password("hunter2 hunter2", &stored),
            Verified {
                ok: true,
                rehash: false
            }
        );
        assert_eq!(verify_password("hunter2 hunter3", &stored), Verified::NO);
    }

    #[test]
    fn phc_string_has_our_parameters_and_a_fresh_salt() {
        let a = hash_password("pw");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        let parts: Vec<&str> = a.split('$').collect();
        assert_eq!(parts.len(), 6);
        // 16 bytes of salt and 32 of hash in unpadded base64
        assert_eq!(parts[4].len(), 22);
        assert_eq!(parts[5].len(), 43);
        assert_ne!(a, hash_password("pw"));
    }

    #[test]
    fn other_argon2_parameters_verify_and_ask_for_a_rehash() {
        let argon2 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        );
        let cheap = argon2
            .hash_password_with_salt(b"pw", &[7u8; 16])
            .unwrap()
            .to_string();
        assert!(cheap.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{cheap}");
        assert_eq!(
            verify_password("pw", &cheap),
            Verified {
                ok: true,
                rehash: true
            }
        );
        assert_eq!(verify_password("px", &cheap), Verified::NO);
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, PARAMS)
            .hash_password_with_salt(b"pw", &[7u8; 16])
            .unwrap()
            .to_string();
        assert!(verify_password("pw", &argon2i).rehash);
    }

    #[test]
    fn bcrypt_from_another_implementation_verifies_and_asks_for_a_rehash() {
        let password = "correct horse battery staple";
        for prefix in ["$2y$", "$2b$", "$2a$"] {
            let stored = format!("{prefix}{}", &HTPASSWD_BCRYPT_10[4..]);
            assert_eq!(
                verify_password(password, &stored),
                Verified {
                    ok: true,
                    rehash: true
                },
                "{prefix}"
            );
            assert_eq!(verify_password("correct horse", &stored), Verified::NO);
        }
    }

    #[test]
    fn malformed_hashes_do_not_match() {
        let good = hash_password("pw");
        let cases = [
            String::new(),
            "pw".to_string(),
            "$argon2id$".to_string(),
            "$argon2id$v=19$m=19456,t=2,p=1$".to_string(),
            good[..good.len() - 5].to_string(),
            good.replace("m=19456", "m=0"),
            good.replace("m=19456", "m=4294967295"),
            good.replace("t=2", "t=4294967295"),
            good.replace("$argon2id$", "$argon2q$"),
            "$2b$10$short".to_string(),
            HTPASSWD_BCRYPT_10.replace("$10$", "$99$"),
            HTPASSWD_BCRYPT_10.replace("$10$", "$31$"),
            HTPASSWD_BCRYPT_10.replace("$10$", "$ab$"),
            format!("{}é", &HTPASSWD_BCRYPT_10[..59]),
            "$2x$10$7moEGihLQl/wxOCJdAe3puDdXxgdOUsBvmdK1X08YfrdRSaNN5QU6".to_string(),
        ];
        for stored in &cases {
            assert_eq!(verify_password("pw", stored), Verified::NO, "{stored}");
        }
    }

    #[test]
    fn burn_password_time_runs() {
        burn_password_time("anything");
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn tokens_and_ids_have_their_shape() {
        let token = random_token("cd_", 20);
        assert_eq!(token.len(), 3 + 32);
        assert!(token.starts_with("cd_"));
        assert!(
            token[3..]
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))
        );
        assert_ne!(token, random_token("cd_", 20));
        assert_eq!(random_token("x", 0), "x");
        assert_eq!(random_token("", 1).len(), 2);
        let id = new_user_id();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7')));
    }

    #[test]
    fn base32_matches_rfc_4648() {
        // RFC 4648 §10, lowercased and without padding
        for (input, expected) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            let mut out = String::new();
            push_base32(&mut out, input.as_bytes());
            assert_eq!(out, expected, "{input}");
        }
    }

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2, appendix B.1
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 7636, appendix B
        assert_eq!(
            sha256_base64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    fn test_box() -> SecretBox {
        SecretBox::from_key_text(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn seal_and_open_round_trip() {
        let secret_box = test_box();
        for text in ["", "ghp_token", "ünïcødé and a longer line of text\n"] {
            let sealed = secret_box.seal(text);
            assert!(sealed.starts_with("v1:"));
            assert!(SecretBox::is_sealed(&sealed));
            assert!(!sealed.contains(text) || text.is_empty());
            assert_eq!(secret_box.open(&sealed).unwrap(), text);
        }
    }

    #[test]
    fn nonces_differ_between_seals() {
        let secret_box = test_box();
        let a = secret_box.seal("same");
        let b = secret_box.seal("same");
        assert_ne!(a, b);
        let nonce = |s: &str| URL_SAFE_NO_PAD.decode(&s[3..]).unwrap()[..NONCE_LEN].to_vec();
        assert_ne!(nonce(&a), nonce(&b));
    }

    #[test]
    fn tampering_is_detected() {
        let secret_box = test_box();
        let sealed = secret_box.seal("ghp_token");
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed[3..]).unwrap();
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[i] ^= 1;
            let tampered = format!("v1:{}", URL_SAFE_NO_PAD.encode(&bytes));
            assert!(
                matches!(secret_box.open(&tampered), Err(CryptoError::Unopenable)),
                "byte {i}"
            );
            bytes[i] ^= 1;
        }
    }

    #[test]
    fn a_wrong_key_does_not_open() {
        let sealed = test_box().seal("ghp_token");
        let other = SecretBox::from_key_text(&"cd".repeat(32)).unwrap();
        assert!(matches!(other.open(&sealed), Err(CryptoError::Unopenable)));
    }

    #[test]
    fn bad_sealed_values_are_errors() {
        let secret_box = test_box();
        assert!(matches!(
            secret_box.open("ghp_token"),
            Err(CryptoError::NotSealed)
        ));
        for bad in ["v1:", "v1:!!!!", "v1:AAAA", "v1:ü"] {
            assert!(
                matches!(secret_box.open(bad), Err(CryptoError::Malformed)),
                "{bad}"
            );
            assert!(!SecretBox::is_sealed(bad), "{bad}");
        }
        assert!(!SecretBox::is_sealed("plain text"));
    }

    #[test]
    fn key_text_as_hex_base64_or_passphrase() {
        let bytes: Vec<u8> = (0u8..32).collect();
        let from_hex = SecretBox::from_key_text(&hex(&bytes)).unwrap();
        let from_upper_hex = SecretBox::from_key_text(&hex(&bytes).to_uppercase()).unwrap();
        let from_base64 =
            SecretBox::from_key_text(&base64::engine::general_purpose::STANDARD.encode(&bytes))
                .unwrap();
        let from_base64url =
            SecretBox::from_key_text(&format!(" {}\n", URL_SAFE_NO_PAD.encode(&bytes))).unwrap();
        let sealed = from_hex.seal("x");
        for other in [&from_upper_hex, &from_base64, &from_base64url] {
            assert_eq!(other.open(&sealed).unwrap(), "x");
        }

        let phrase = SecretBox::from_key_text("a long random session secret").unwrap();
        let again = SecretBox::from_key_text("a long random session secret").unwrap();
        assert_eq!(again.open(&phrase.seal("y")).unwrap(), "y");
        let other = SecretBox::from_key_text("another session secret").unwrap();
        assert!(other.open(&phrase.seal("y")).is_err());
        // 63 hex characters are a passphrase, not a key
        let short = SecretBox::from_key_text(&hex(&bytes)[..63]).unwrap();
        assert!(short.open(&sealed).is_err());

        for empty in ["", "  \n"] {
            assert!(matches!(
                SecretBox::from_key_text(empty),
                Err(CryptoError::EmptyKey)
            ));
        }
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let shown = format!("{:?}", SecretBox::from_key_text(&"ab".repeat(32)).unwrap());
        assert_eq!(shown, "SecretBox { .. }");
    }

    #[test]
    fn load_or_create_makes_a_private_file_and_reads_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("secret.key");
        let first = SecretBox::load_or_create(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65);
        assert!(text.ends_with('\n'));
        assert!(decode_hex_key(text.trim()).is_some());
        assert!(SecretBox::file_is_private(&path));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // no temporary file is left behind
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );

        let second = SecretBox::load_or_create(&path).unwrap();
        assert_eq!(second.open(&first.seal("z")).unwrap(), "z");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn racing_creators_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let boxes: Vec<SecretBox> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| SecretBox::load_or_create(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let sealed = boxes[0].seal("w");
        for b in &boxes {
            assert_eq!(b.open(&sealed).unwrap(), "w");
        }
    }

    #[test]
    fn key_files_others_can_read_are_used_but_not_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, format!("{}\n", "ab".repeat(32))).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(!SecretBox::file_is_private(&path));
        }
        let loaded = SecretBox::load_or_create(&path).unwrap();
        assert_eq!(test_box().open(&loaded.seal("v")).unwrap(), "v");
        assert!(!SecretBox::file_is_private(&dir.path().join("absent")));
    }

    #[test]
    fn a_bad_key_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "not a key\n").unwrap();
        let err = SecretBox::load_or_create(&path).unwrap_err();
        assert!(matches!(err, CryptoError::BadKeyFile { .. }));
        assert!(err.to_string().contains("secret.key"));
        // the file is left alone: it may be the only copy of a key
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n");
    }
}
