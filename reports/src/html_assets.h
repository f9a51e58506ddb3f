// The inline stylesheet and script of report.html.
#pragma once

namespace rwkv::reports {

// CSS for the page.
const char* ReportCss();

// Records uncaught errors into #report-errors (runs first, before anything else).
const char* ErrorTrapScript();

// Renders the item table from <script id="item-data" type="application/json">, with paging,
// search and filters; inserts untrusted strings with textContent only. Sets
// data-rendered="1" on <body> when done.
const char* ItemTableScript();

}  // namespace rwkv::reports
