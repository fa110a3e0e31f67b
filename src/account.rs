//! Who is at the keyboard, as the operating system knows it: the account of the process's real
//! user id, named from the password database (so directory-service accounts too, through the
//! system's name service), never from `$USER`, which anyone can set. The audit log records it
//! beside the name a person gives with `--user`.

use std::sync::OnceLock;

/// The OS account running this process: its name in the password database, else `uid N`
/// (a container without an entry for its user); sanitised, never empty.
pub fn os_account() -> &'static str {
    static ACCOUNT: OnceLock<String> = OnceLock::new();
    ACCOUNT.get_or_init(|| {
        let name = lookup();
        let clean = crate::text::sanitise_line(&name).trim().to_owned();
        if clean.is_empty() { fallback() } else { clean }
    })
}

#[cfg(unix)]
fn lookup() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    }
}

#[cfg(unix)]
fn fallback() -> String {
    format!("uid {}", nix::unistd::getuid())
}

/// Without a password database to ask, the login name the system set.
#[cfg(not(unix))]
fn lookup() -> String {
    std::env::var("USERNAME").unwrap_or_default()
}

#[cfg(not(unix))]
fn fallback() -> String {
    String::from("unknown account")
}

/// The effective user id, which owns the files this process creates.
#[cfg(unix)]
pub fn effective_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Whether this process acts with group `gid` (its effective group or a supplementary one).
#[cfg(unix)]
pub fn in_group(gid: u32) -> bool {
    if nix::unistd::getegid().as_raw() == gid {
        return true;
    }
    #[cfg(not(target_vendor = "apple"))]
    {
        nix::unistd::getgroups()
            .is_ok_and(|groups| groups.iter().any(|group| group.as_raw() == gid))
    }
    // Supplementary groups are not listed this way there; the effective group is.
    #[cfg(target_vendor = "apple")]
    false
}

/// A group's id by its name, from the group database.
#[cfg(unix)]
pub fn group_id(name: &str) -> Option<u32> {
    nix::unistd::Group::from_name(name)
        .ok()
        .flatten()
        .map(|group| group.gid.as_raw())
}

/// A name a person gave for the audit log (`--user`), checked: not empty, and nothing a
/// terminal would act on or hide (control characters, escape sequences, bidi overrides).
pub fn check_given_name(name: &str) -> Result<String, String> {
    if name.chars().any(crate::text::is_unsafe) {
        return Err(String::from(
            "a name for the audit log cannot hold control characters, tabs, line breaks, bidi \
             overrides or zero-width characters",
        ));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(String::from("a name for the audit log cannot be empty"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_is_named_and_clean() {
        let account = os_account();
        assert!(!account.is_empty());
        assert!(!account.chars().any(crate::text::is_unsafe));
    }

    #[test]
    fn a_given_name_is_refused_empty_or_with_sequences() {
        assert_eq!(check_given_name(" dr.mensah ").unwrap(), "dr.mensah");
        assert!(check_given_name("").is_err());
        assert!(check_given_name("   ").is_err());
        assert!(check_given_name("dr\u{1b}]0;x\u{7}").is_err());
        assert!(check_given_name("dr\u{202e}x").is_err());
        assert!(check_given_name("Dr Ana Łukasik").is_ok());
    }
}
