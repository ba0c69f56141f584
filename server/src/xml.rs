//! A small XML writer over quick-xml, shared by the catalog and the OGC services: every name,
//! attribute and text is escaped by quick-xml.

use quick_xml::{
    Writer,
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
};

pub struct XmlDoc {
    w: Writer<Vec<u8>>,
}

impl XmlDoc {
    pub fn new() -> Self {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Self { w }
    }

    /// A raw line such as a DOCTYPE; the caller guarantees it is well formed.
    pub fn raw(&mut self, text: &str) {
        self.w.get_mut().extend_from_slice(format!("\n{text}").as_bytes());
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        e.extend_attributes(attrs.iter().copied());
        let _ = self.w.write_event(Event::Start(e));
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut e = BytesStart::new(name);
        e.extend_attributes(attrs.iter().copied());
        let _ = self.w.write_event(Event::Empty(e));
    }

    pub fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    pub fn text_element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.w.into_inner()).into_owned()
    }
}

impl Default for XmlDoc {
    fn default() -> Self {
        Self::new()
    }
}
