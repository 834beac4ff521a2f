//! The subcommands, and the small argument parser they share.

pub mod compile;
pub mod inspect;
pub mod run;

use wasmtime::{bail, Result};

/// Command-line arguments: positionals and `--flag value` / `--flag=value` pairs, in order.
pub struct Args {
    pub positional: Vec<String>,
    pub options: Vec<(String, String)>,
    pub switches: Vec<String>,
}

impl Args {
    /// Splits `args`; flags in `switches` take no value, every other `--flag` (or `-o`) takes one.
    pub fn parse(args: &[String], switches: &[&str]) -> Result<Args> {
        let mut parsed = Args {
            positional: Vec::new(),
            options: Vec::new(),
            switches: Vec::new(),
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let Some(flag) = arg
                .strip_prefix("--")
                .or_else(|| arg.strip_prefix('-').filter(|f| f.len() == 1))
            else {
                parsed.positional.push(arg.clone());
                continue;
            };
            if let Some((name, value)) = flag.split_once('=') {
                parsed.options.push((name.to_owned(), value.to_owned()));
            } else if switches.contains(&flag) {
                parsed.switches.push(flag.to_owned());
            } else {
                let Some(value) = iter.next() else {
                    bail!("--{flag} needs a value")
                };
                parsed.options.push((flag.to_owned(), value.clone()));
            }
        }
        Ok(parsed)
    }

    /// The last value of `name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// The one positional argument, named `what` in the error.
    pub fn single_positional(&self, what: &str) -> Result<&str> {
        match self.positional.as_slice() {
            [one] => Ok(one),
            [] => bail!("missing {what}"),
            more => bail!(
                "expected one {what}, got {}: {}",
                more.len(),
                more.join(" ")
            ),
        }
    }
}
