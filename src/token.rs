/// Associates readiness events with [`event::Source`]s.
///
/// A `Token` is the value a caller picks when it registers a source with a
/// [`Registry`]; every [`Event`] for that registration carries it back. It is
/// a plain `usize`, so it can be an index into a slab, a key into a map, or
/// (as Tokio does) the address of per-resource state.
///
/// Every `usize` value is a valid token: ferrio reserves none for itself,
/// neither for wakers nor for internal notifications.
///
/// [`event::Source`]: crate::event::Source
/// [`Registry`]: crate::Registry
/// [`Event`]: crate::event::Event
///
/// # Examples
///
/// Tokens work in `const` position and convert back to `usize`:
///
/// ```
/// use ferrio::Token;
///
/// const LISTENER: Token = Token(0);
/// const FIRST_CLIENT: Token = Token(LISTENER.0 + 1);
///
/// assert_eq!(usize::from(FIRST_CLIENT), 1);
/// assert!(LISTENER < FIRST_CLIENT);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

impl From<Token> for usize {
    fn from(val: Token) -> usize {
        val.0
    }
}
