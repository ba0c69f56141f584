//! What the Atom and THREDDS parsers share on top of quick-xml.

use quick_xml::events::{BytesStart, Event};

/// The value of the attribute whose local name is `name`, entities resolved.
pub fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// Appends the text an event carries (text, CDATA, a predefined entity) to `buf`.
pub fn push_text(event: &Event<'_>, buf: &mut String) {
    match event {
        Event::Text(t) => buf.push_str(t),
        Event::CData(t) => buf.push_str(&t.clone().into_inner()),
        Event::GeneralRef(r) => buf.push_str(match &**r {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => "",
        }),
        _ => {}
    }
}
