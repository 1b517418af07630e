//! Value parsers shared by the sub-commands' flags: a whole number in a range, so that clap's
//! error line names the flag and the range (`invalid value '0' for '--jobs <JOBS>': must be
//! 1 to 8`), and a negative number is read as a bad value, not as an unknown flag.

/// Parses a whole number in `min..=max` into `T` (whose range holds `min..=max`).
pub fn whole<T>(min: u64, max: u64) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync
where
    T: TryFrom<u64>,
{
    move |text: &str| {
        let range = if max == u64::MAX {
            format!("must be {min} or more")
        } else {
            format!("must be {min} to {max}")
        };
        let n: i128 = text
            .trim()
            .parse()
            .map_err(|_| format!("expected a whole number ({range})"))?;
        if n < i128::from(min) || n > i128::from(max) {
            return Err(range);
        }
        T::try_from(n as u64).map_err(|_| range)
    }
}

#[cfg(test)]
mod tests {
    use super::whole;

    #[test]
    fn a_whole_number_in_range_and_nothing_else() {
        let servers = whole::<u8>(1, 5);
        assert_eq!(servers("3"), Ok(3));
        assert_eq!(servers("0"), Err("must be 1 to 5".into()));
        assert_eq!(servers("-1"), Err("must be 1 to 5".into()));
        assert_eq!(
            servers("three"),
            Err("expected a whole number (must be 1 to 5)".into())
        );
        let count = whole::<u64>(0, u64::MAX);
        assert_eq!(count("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            count("18446744073709551616"),
            Err("must be 0 or more".into())
        );
    }
}
