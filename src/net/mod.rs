//! Networking primitives.
