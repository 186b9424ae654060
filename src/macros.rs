//! Internal macros: feature gates and optional logging.

/// Items that need the OS backend (`os-poll`).
macro_rules! cfg_os_poll {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "os-poll")]
            #[cfg_attr(docsrs, doc(cfg(feature = "os-poll")))]
            $item
        )*
    }
}

/// Items that only exist without the OS backend.
macro_rules! cfg_not_os_poll {
    ($($item:item)*) => {
        $(
            #[cfg(not(feature = "os-poll"))]
            $item
        )*
    }
}

/// Items of the `net` feature.
macro_rules! cfg_net {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "net")]
            #[cfg_attr(docsrs, doc(cfg(feature = "net")))]
            $item
        )*
    }
}

/// Items of the `os-ext` feature.
macro_rules! cfg_os_ext {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "os-ext")]
            #[cfg_attr(docsrs, doc(cfg(feature = "os-ext")))]
            $item
        )*
    }
}

/// Items used by the common I/O path, needed by `net` or `os-ext`.
macro_rules! cfg_io_source {
    ($($item:item)*) => {
        $(
            #[cfg(any(feature = "net", feature = "os-ext"))]
            $item
        )*
    }
}

/// `log::trace!` with the `log` feature, nothing without it.
macro_rules! trace {
    ($($t:tt)*) => {
        #[cfg(feature = "log")]
        {
            log::trace!($($t)*);
        }
    };
}
