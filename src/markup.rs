//! A small HTML writer for display-only views (tables, descriptions).
//!
//! Building a string and handing it to the DOM once is much smaller in the
//! bundle than one virtual node per cell, and faster to render. Links still
//! work: they carry `data-obj`, and the panels handle clicks by delegation.
//! Every text and attribute value is escaped.

use crate::highlight::escape_into;

/// HTML being written.
#[derive(Default)]
pub struct Markup(String);

impl Markup {
    /// An empty writer.
    pub fn new() -> Markup {
        Markup(String::with_capacity(1024))
    }

    /// Opens `<tag class="class">` (no class attribute when empty).
    pub fn open(&mut self, tag: &str, class: &str) -> &mut Markup {
        self.0.push('<');
        self.0.push_str(tag);
        if !class.is_empty() {
            self.attr("class", class);
        }
        self.0.push('>');
        self
    }

    /// Opens `<tag>` with attributes (values escaped).
    pub fn open_with(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Markup {
        self.0.push('<');
        self.0.push_str(tag);
        for (k, v) in attrs {
            self.attr(k, v);
        }
        self.0.push('>');
        self
    }

    fn attr(&mut self, name: &str, value: &str) {
        self.0.push(' ');
        self.0.push_str(name);
        self.0.push_str("=\"");
        escape_into(&mut self.0, value);
        self.0.push('"');
    }

    /// Closes `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Markup {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Markup {
        escape_into(&mut self.0, text);
        self
    }

    /// `<tag class="class">text</tag>`.
    pub fn el(&mut self, tag: &str, class: &str, text: &str) -> &mut Markup {
        self.open(tag, class).text(text).close(tag)
    }

    /// A table row of plain cells.
    pub fn row(&mut self, class: &str, cells: &[&str]) -> &mut Markup {
        self.open("tr", class);
        for c in cells {
            self.el("td", "", c);
        }
        self.close("tr")
    }

    /// A table head.
    pub fn head(&mut self, cells: &[&str]) -> &mut Markup {
        self.open("thead", "").open("tr", "");
        for c in cells {
            self.el("th", "", c);
        }
        self.close("tr").close("thead")
    }

    /// A link that opens an object in the Inspector (`data-obj`).
    pub fn link(&mut self, obj: &str, text: &str) -> &mut Markup {
        self.open_with("span", &[("class", "link"), ("data-obj", obj)])
            .text(text)
            .close("span")
    }

    /// The HTML written.
    pub fn finish(self) -> String {
        self.0
    }

    /// The HTML as a node.
    pub fn into_html(self) -> yew::Html {
        yew::Html::from_html_unchecked(yew::AttrValue::from(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_html() {
        let mut m = Markup::new();
        m.open("table", "table")
            .head(&["A", "B"])
            .row("warn", &["<x>", "a&b"])
            .close("table");
        m.link("Pod/default/p\"", "pod/p");
        assert_eq!(
            m.finish(),
            "<table class=\"table\"><thead><tr><th>A</th><th>B</th></tr></thead><tr class=\"warn\"><td>&lt;x&gt;</td><td>a&amp;b</td></tr></table><span class=\"link\" data-obj=\"Pod/default/p&quot;\">pod/p</span>"
        );
    }
}
