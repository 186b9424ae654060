//! Windows-only extensions: [`NamedPipe`], a non-blocking named pipe that
//! is an [`event::Source`](crate::event::Source).

pub use crate::sys::windows::named_pipe::NamedPipe;
