//! ferrio under the name `mio`.
//!
//! Everything here is ferrio, re-exported at mio's paths, so a crate graph
//! that depends on `mio` 1.x can run on ferrio with a `[patch.crates-io]`
//! entry and no code change. See ferrio's README.

#[doc(inline)]
pub use ferrio::*;
