//! Suite files: the on-disk format, the loader and the validated model.

mod model;

pub use model::*;
