//! The ION double.
