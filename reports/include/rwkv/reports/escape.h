// Escaping untrusted text (model output, prompts, names) for each output format.
#pragma once

#include <string>

namespace rwkv::reports {

// HTML text and attribute values: & < > " ' become entities.
std::string HtmlEscape(const std::string& s);

// XML 1.0 text and attributes: like HtmlEscape, and characters XML forbids (controls other
// than tab, newline, carriage return) become U+FFFD.
std::string XmlEscape(const std::string& s);

// One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled.
// A field starting with = + - @ gets a leading apostrophe so spreadsheets do not run it as a
// formula (numbers such as "-1.5" are left alone).
std::string CsvField(const std::string& s);

// JSON text safe inside <script type="application/json">: '<', '>' and '&' as \u003c,
// \u003e, \u0026 (so "</script>" and "<!--" cannot occur). Input must be JSON text.
std::string ScriptSafeJson(const std::string& json_text);

// A number for reports: shortest round-trip up to 6 significant digits; "" for NaN;
// "inf"/"-inf" for infinities.
std::string FormatNumber(double v, int digits = 6);

}  // namespace rwkv::reports
