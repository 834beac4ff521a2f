//! How a value argument crosses the ABI: as one wasm value (its `Raw` type), checked on the way in.

/// A value an import takes as one wasm parameter: the enums as `u32`, and `u32`, `i64`, `f64`
/// themselves. The host decodes with [`AbiValue::from_abi`] (an enum value that names nothing is
/// `Error::InvalidArgument`), the guest SDK encodes with [`AbiValue::to_abi`].
pub trait AbiValue: Sized + Copy {
    /// The wasm type it travels as.
    type Raw: Copy;
    /// The raw wasm value.
    fn to_abi(self) -> Self::Raw;
    /// The value for a raw wasm value, or `None` if it names nothing.
    fn from_abi(raw: Self::Raw) -> Option<Self>;
}

macro_rules! plain {
    ($($ty:ty),*) => {$(
        impl AbiValue for $ty {
            type Raw = $ty;
            fn to_abi(self) -> $ty { self }
            fn from_abi(raw: $ty) -> Option<$ty> { Some(raw) }
        }
    )*};
}

plain!(u32, i64, f64);
