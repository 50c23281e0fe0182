//! Placeholder while the fake is being written.
pub fn placeholder() {}
