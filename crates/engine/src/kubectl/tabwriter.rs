//! Go's `text/tabwriter` column layout, which every kubectl table and
//! `describe` output goes through.
//!
//! Cells are tab-terminated; the text after the last tab of a line is not
//! part of a column and is written unpadded. A column's width is decided per
//! *block*: a run of consecutive lines that all have a cell in that column.
//! Widths count runes, as both `text/tabwriter` and kubectl's fork do.

/// A tab-terminated cell (or the unterminated rest of a line).
#[derive(Clone, Debug)]
struct Cell {
    text: String,
    width: usize,
}

/// Buffers text and aligns its tab-separated cells on [`TabWriter::flush`].
#[derive(Clone, Debug)]
pub struct TabWriter {
    minwidth: usize,
    padding: usize,
    /// Complete and partial lines; the last one is the line being written.
    lines: Vec<Vec<Cell>>,
    cell: String,
    out: String,
    /// kubectl's `RememberWidths` (its fork's flag, for `get --watch`):
    /// each column keeps the widest width any flush gave it.
    remembered: Option<Vec<usize>>,
}

impl TabWriter {
    /// A writer with `minwidth` and `padding` as `tabwriter.NewWriter` takes
    /// them (the pad character is always a space; no flags).
    pub fn new(minwidth: usize, padding: usize) -> TabWriter {
        TabWriter {
            minwidth,
            padding,
            lines: vec![Vec::new()],
            cell: String::new(),
            out: String::new(),
            remembered: None,
        }
    }

    /// kubectl's table writer that remembers column widths across
    /// flushes, so a watch's rows line up under the first table.
    pub fn table_remembering_widths() -> TabWriter {
        let mut w = TabWriter::table();
        w.remembered = Some(Vec::new());
        w
    }

    /// kubectl's table writer (`printers.GetNewTabWriter`: minwidth 6, padding 3).
    pub fn table() -> TabWriter {
        TabWriter::new(6, 3)
    }

    /// kubectl describe's writer (`tabbedString`: minwidth 0, padding 2).
    pub fn describe() -> TabWriter {
        TabWriter::new(0, 2)
    }

    /// Appends text.
    pub fn write(&mut self, text: &str) {
        for ch in text.chars() {
            match ch {
                '\t' => self.terminate_cell(),
                '\n' => {
                    self.terminate_cell();
                    self.lines.push(Vec::new());
                }
                c => self.cell.push(c),
            }
        }
    }

    fn terminate_cell(&mut self) {
        let text = std::mem::take(&mut self.cell);
        let width = text.chars().count();
        self.lines
            .last_mut()
            .expect("there is always a current line")
            .push(Cell { text, width });
    }

    /// Lays out everything written so far (a new alignment starts after).
    pub fn flush(&mut self) {
        if !self.cell.is_empty() {
            self.terminate_cell();
        }
        let mut widths = Vec::new();
        let n = self.lines.len();
        self.format(&mut widths, 0, n);
        self.lines = vec![Vec::new()];
    }

    /// Flushes and returns all the text laid out so far.
    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }

    /// Flushes and takes the text laid out so far, keeping the writer.
    pub fn take(&mut self) -> String {
        self.flush();
        std::mem::take(&mut self.out)
    }

    /// The text written so far with its tabs kept (no alignment), as a
    /// writer without a tabwriter would print it.
    pub fn raw(self) -> String {
        let mut out = self.out;
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|l| {
                l.iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect();
        out.push_str(&lines.join("\n"));
        // The current line's cells all ended with a tab.
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            out.push('\t');
        }
        out.push_str(&self.cell);
        out
    }

    fn format(&mut self, widths: &mut Vec<usize>, line0: usize, line1: usize) {
        let column = widths.len();
        let mut line0 = line0;
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            // A cell exists in this column: a block of lines begins here.
            self.write_lines(widths, line0, this);
            line0 = this;
            let mut width = self.minwidth;
            while this < line1 {
                let line = &self.lines[this];
                if column + 1 >= line.len() {
                    break;
                }
                width = width.max(line[column].width + self.padding);
                this += 1;
            }
            if let Some(remembered) = &mut self.remembered {
                match remembered.get_mut(column) {
                    Some(w) => {
                        width = width.max(*w);
                        *w = width;
                    }
                    None => remembered.push(width),
                }
            }
            widths.push(width);
            self.format(widths, line0, this);
            widths.pop();
            line0 = this;
        }
        self.write_lines(widths, line0, line1);
    }

    fn write_lines(&mut self, widths: &[usize], line0: usize, line1: usize) {
        for i in line0..line1 {
            for (j, cell) in self.lines[i].iter().enumerate() {
                self.out.push_str(&cell.text);
                if let Some(&w) = widths.get(j) {
                    for _ in cell.width..w {
                        self.out.push(' ');
                    }
                }
            }
            if i + 1 < self.lines.len() {
                self.out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_tables_pad_each_column_to_its_longest_cell_plus_three() {
        let mut w = TabWriter::table();
        w.write("NAME\tREADY\tSTATUS\tRESTARTS\tAGE\n");
        w.write("nginx-7c5ddbdf54-x2k4p\t1/1\tRunning\t0\t5m\n");
        assert_eq!(
            w.finish(),
            "NAME                     READY   STATUS    RESTARTS   AGE\n\
             nginx-7c5ddbdf54-x2k4p   1/1     Running   0          5m\n"
        );
    }

    #[test]
    fn remembered_widths_line_later_flushes_up_and_grow() {
        let mut w = TabWriter::table_remembering_widths();
        w.write("NAME\tREADY\tSTATUS\n");
        w.write("web\t0/1\tPending\n");
        assert_eq!(w.take(), "NAME   READY   STATUS\nweb    0/1     Pending\n");
        w.write("web\t0/1\tContainerCreating\n");
        assert_eq!(w.take(), "web    0/1     ContainerCreating\n");
        w.write("web-longer\t1/1\tRunning\n");
        assert_eq!(w.take(), "web-longer   1/1     Running\n");
        w.write("web\t1/1\tRunning\n");
        assert_eq!(w.take(), "web          1/1     Running\n");
    }

    #[test]
    fn short_columns_get_the_minimum_width_of_six() {
        let mut w = TabWriter::table();
        w.write("A\tB\n");
        w.write("\tx\n");
        assert_eq!(w.finish(), "A     B\n      x\n");
    }

    #[test]
    fn describe_blocks_end_at_lines_without_tabs() {
        let mut w = TabWriter::describe();
        w.write("Name:\tweb\nNamespace:\tdefault\nContainers:\n  web:\n    Image:\tnginx\n");
        assert_eq!(
            w.finish(),
            "Name:       web\nNamespace:  default\nContainers:\n  web:\n    Image:  nginx\n"
        );
    }

    #[test]
    fn trailing_tabs_pad_the_last_cell_and_widths_count_runes() {
        let mut w = TabWriter::table();
        w.write("NAME\tCPU(cores)\t\n");
        w.write("nöde\t250m\t\n");
        assert_eq!(w.finish(), "NAME   CPU(cores)   \nnöde   250m         \n");
    }

    #[test]
    fn flush_starts_a_new_alignment() {
        let mut w = TabWriter::describe();
        w.write("Long label:\tx\n");
        w.flush();
        w.write("A:\ty\n");
        assert_eq!(w.finish(), "Long label:  x\nA:  y\n");
    }
}
