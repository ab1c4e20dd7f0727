//! Field paths as apimachinery's `field.Path` prints them
//! (`spec.template.spec.containers[0].image`, `metadata.labels[app]`).
//!
//! A path is a chain of borrowed segments on the stack, so building one costs
//! nothing; it is only rendered to a string when an error is reported.

use std::fmt;

#[derive(Clone, Copy, Debug)]
enum Seg<'a> {
    Name(&'a str),
    Index(usize),
    Key(&'a str),
}

/// A field path: a name, index or key below an optional parent.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

impl<'a> Path<'a> {
    /// A root path (`field.NewPath(name)`).
    pub const fn new(name: &'a str) -> Path<'a> {
        Path {
            parent: None,
            seg: Seg::Name(name),
        }
    }

    /// `parent.name`
    pub fn child<'b>(&'b self, name: &'b str) -> Path<'b> {
        Path {
            parent: Some(self),
            seg: Seg::Name(name),
        }
    }

    /// `parent[i]`
    pub fn index(&self, i: usize) -> Path<'_> {
        Path {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    /// `parent[key]`
    pub fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path {
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.parent {
            p.fmt(f)?;
        }
        match self.seg {
            Seg::Name(n) => {
                // Like Go, a dot separates names but never leads.
                if self.parent.is_some() && !n.is_empty() {
                    f.write_str(".")?;
                }
                f.write_str(n)
            }
            Seg::Index(i) => write!(f, "[{i}]"),
            Seg::Key(k) => write!(f, "[{k}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_field_path() {
        let spec = Path::new("spec");
        let c = spec.child("containers");
        let c0 = c.index(0);
        assert_eq!(c0.child("image").to_string(), "spec.containers[0].image");
        let l = Path::new("metadata");
        let l = l.child("labels");
        assert_eq!(l.key("app").to_string(), "metadata.labels[app]");
        let v = Path::new("values");
        let v0 = v.index(0);
        assert_eq!(v0.key("k").to_string(), "values[0][k]");
        assert_eq!(Path::new("").to_string(), "");
    }
}
