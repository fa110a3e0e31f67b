//! The keymap parser on arbitrary text: it never panics, and a keymap it accepts answers every
//! question the dashboard asks of it (actions, footer, help) without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use refract::tui::keymap::Keymap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(keymap) = Keymap::parse(text) else {
        return;
    };
    for binding in &keymap.bindings {
        let _ = keymap.footer(binding.context);
        let _ = keymap.help(binding.context);
        for key in &binding.keys {
            let _ = keymap.action(binding.context, *key);
            let _ = key.label();
        }
    }
});
