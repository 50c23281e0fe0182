//! Quoting what a member or an author typed back to them, shortened.
//!
//! Discord lets a string option hold up to 6,000 characters and a reply at most 2,000, so an
//! error sentence never repeats the input whole: every parser quotes it through [`quote_input`].

/// The most characters of user input an error sentence quotes (the `…` included).
pub const MAX_QUOTE_CHARS: usize = 100;

/// `s` cut to at most `max` characters, ending with `…` when cut. Counts characters (Unicode
/// scalar values), so it never splits one.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) if max == 0 => String::new(),
        Some(_) => {
            let keep = s.char_indices().nth(max - 1).map_or(s.len(), |(i, _)| i);
            let mut out = String::with_capacity(keep + '…'.len_utf8());
            out.push_str(&s[..keep]);
            out.push('…');
            out
        }
    }
}

/// What someone typed, ready to sit in a sentence: trimmed, on one line, between backticks, with
/// at most [`MAX_QUOTE_CHARS`] characters between them (`…` marks a cut). Backticks inside become
/// `'` so the quote cannot break out of its code span; empty input reads `(empty)`.
pub fn quote_input(s: &str) -> String {
    let cleaned: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .take(MAX_QUOTE_CHARS + 1)
        .collect();
    if cleaned.trim().is_empty() {
        return "(empty)".to_owned();
    }
    format!("`{}`", shorten(&cleaned, MAX_QUOTE_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_input_is_quoted_whole() {
        assert_eq!(quote_input(" 25:00 "), "`25:00`");
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn long_input_is_cut_to_the_limit_with_an_ellipsis() {
        let q = quote_input(&"9".repeat(6_000));
        assert_eq!(q.chars().count(), MAX_QUOTE_CHARS + 2);
        assert!(q.ends_with("…`"), "{q}");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abcdef", 0), "");
    }

    #[test]
    fn cuts_never_split_a_character() {
        let s = "é🦀漢".repeat(100);
        let q = shorten(&s, 10);
        assert_eq!(q.chars().count(), 10);
        assert_eq!(q, format!("{}…", "é🦀漢é🦀漢é🦀漢"));
    }

    #[test]
    fn backticks_and_line_breaks_cannot_break_the_quote() {
        assert_eq!(quote_input("a`b\nc"), "`a'b c`");
        assert_eq!(quote_input("   "), "(empty)");
        assert_eq!(quote_input("\n\t"), "(empty)");
    }
}
