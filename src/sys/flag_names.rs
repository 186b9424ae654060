//! How every backend prints the flags of an event it holds (`Event`'s
//! `Debug` output): the names of the bits set, joined by `|`.

use std::fmt;
use std::ops::BitAnd;

/// Flag bits of type `T`, printed with their names.
pub(crate) struct FlagNames<T: 'static> {
    pub(crate) bits: T,
    pub(crate) names: &'static [(T, &'static str)],
}

impl<T> fmt::Debug for FlagNames<T>
where
    T: Copy + BitAnd<Output = T> + PartialEq + Default,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for &(flag, name) in self.names {
            if self.bits & flag != T::default() {
                write!(f, "{sep}{name}")?;
                sep = "|";
            }
        }
        if sep.is_empty() {
            f.write_str("(empty)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[(u8, &str)] = &[(1, "ONE"), (2, "TWO"), (8, "EIGHT")];

    #[test]
    fn the_names_of_the_bits_set_joined_or_empty() {
        let show = |bits| format!("{:?}", FlagNames { bits, names: NAMES });
        assert_eq!(show(0), "(empty)");
        assert_eq!(show(4), "(empty)");
        assert_eq!(show(2), "TWO");
        assert_eq!(show(1 | 2 | 8), "ONE|TWO|EIGHT");
        assert_eq!(show(8 | 4 | 1), "ONE|EIGHT");
    }
}
