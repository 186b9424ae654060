//! Socket helpers shared by the net types.
