//! `Token`: a plain, const-constructible `usize` wrapper.

use std::collections::HashSet;

use ferrio::Token;

const WAKE: Token = Token(0);
const SIGNAL: Token = Token(1);

#[test]
fn tokens_are_const_comparable_hashable_and_convert_to_usize() {
    assert_ne!(WAKE, SIGNAL);
    assert!(WAKE < SIGNAL);
    assert_eq!(SIGNAL.0, 1);
    assert_eq!(usize::from(Token(usize::MAX)), usize::MAX);
    let set: HashSet<Token> = [WAKE, SIGNAL, Token(1)].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert_eq!(format!("{:?}", Token(42)), "Token(42)");
    let copy = WAKE;
    assert_eq!(copy, WAKE);
}
