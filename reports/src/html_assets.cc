#include "html_assets.h"

namespace rwkv::reports {

const char* ReportCss() {
  return R"CSS(
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
h3{font-size:1em}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f4f4f4;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{color:#777;font-size:11px}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.err{color:#9a6700;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{border:1px solid #eee;background:#fff;font-size:11px}
svg .ct{font-size:13px;font-weight:600}svg .grid{stroke:#eee}svg .axis line{stroke:#888}
svg .marker{stroke:#555;stroke-dasharray:4 3}svg .mk{font-size:10px;fill:#555}svg .hv{font-size:10px;fill:#fff}
#controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:.5em 0}
#items td pre{white-space:pre-wrap;word-break:break-word;max-height:12em;overflow:auto;margin:0;font-size:12px}
#items td.solved{background:#eaf7ee}#items td.unsolved{background:#fdecec}#items td.missing{background:#f6f6f6}
.small{font-size:12px;color:#555}
#report-errors:empty{display:none}#report-errors{color:#cf222e}
)CSS";
}

const char* ErrorTrapScript() {
  return R"JS(
(function(){
  function note(msg){var e=document.getElementById('report-errors');
    if(e){e.appendChild(document.createTextNode(String(msg)+'\n'));}}
  window.addEventListener('error',function(ev){note('error: '+ev.message);});
  window.addEventListener('unhandledrejection',function(ev){note('rejection: '+ev.reason);});
})();
)JS";
}

const char* ItemTableScript() {
  return R"JS(
(function(){
  'use strict';
  var node=document.getElementById('item-data');
  if(!node){document.body.setAttribute('data-rendered','1');return;}
  var data=JSON.parse(node.textContent);
  var runs=data.runs, tasks=data.tasks, items=data.items;
  // items[i] = [taskIndex, itemId, prompt, target, [[solved, extracted, output, error]|null per run]]
  var PAGE=50, page=0, visible=[], lowered=null;
  var q=document.getElementById('search'), fFail=document.getElementById('only-failures'),
      fDis=document.getElementById('only-disagreements'), fTask=document.getElementById('task-filter'),
      info=document.getElementById('page-info'), tbody=document.querySelector('#items tbody'),
      head=document.querySelector('#items thead tr');
  function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined&&text!==null)e.textContent=String(text);if(cls)e.className=cls;return e;}
  ['item','prompt','target'].forEach(function(h){head.appendChild(el('th',h));});
  runs.forEach(function(r){head.appendChild(el('th',r));});
  tasks.forEach(function(t,i){var o=el('option',t);o.value=String(i);fTask.appendChild(o);});
  function failed(it){var rs=it[4];for(var k=0;k<rs.length;k++){if(rs[k]&&(rs[k][0]===0||rs[k][3]))return true;}return false;}
  // Runs that have the item and a verdict: some solved it, some did not.
  function disagree(it){var rs=it[4],yes=false,no=false;for(var k=0;k<rs.length;k++){if(!rs[k])continue;
    var s=rs[k][3]?0:rs[k][0];if(s===1)yes=true;else if(s===0)no=true;}return yes&&no;}
  function text(it){var parts=[tasks[it[0]],it[1],it[2],it[3]];it[4].forEach(function(r){if(r){parts.push(r[1],r[2],r[3]);}});
    return parts.join('\u0001').toLowerCase();}
  function apply(){
    var needle=q.value.toLowerCase(), task=fTask.value, ff=fFail.checked, fd=fDis.checked;
    if(needle&&!lowered){lowered=new Array(items.length);}
    visible=[];
    for(var i=0;i<items.length;i++){var it=items[i];
      if(task!==''&&String(it[0])!==task)continue;
      if(ff&&!failed(it))continue;
      if(fd&&!disagree(it))continue;
      if(needle){if(lowered[i]===undefined)lowered[i]=text(it);if(lowered[i].indexOf(needle)<0)continue;}
      visible.push(i);}
    page=0;render();}
  function render(){
    while(tbody.firstChild)tbody.removeChild(tbody.firstChild);
    var pages=Math.max(1,Math.ceil(visible.length/PAGE));if(page>=pages)page=pages-1;
    var start=page*PAGE,end=Math.min(visible.length,start+PAGE);
    for(var v=start;v<end;v++){var it=items[visible[v]],tr=document.createElement('tr');
      tr.appendChild(el('td',tasks[it[0]]+'/'+it[1]));
      var p=el('td');p.appendChild(el('pre',it[2]));tr.appendChild(p);
      var t=el('td');t.appendChild(el('pre',it[3]));tr.appendChild(t);
      it[4].forEach(function(r){var td=el('td');
        if(!r){td.className='missing';td.appendChild(el('span','(not run)','small'));}
        else{td.className=r[3]?'unsolved':r[0]===1?'solved':r[0]===0?'unsolved':'';
          if(r[3])td.appendChild(el('div','error: '+r[3],'err'));
          if(r[1])td.appendChild(el('div','answer: '+r[1],'small'));
          td.appendChild(el('pre',r[2]));}
        tr.appendChild(td);});
      tbody.appendChild(tr);}
    info.textContent=visible.length?('items '+(start+1)+'\u2013'+end+' of '+visible.length+' (page '+(page+1)+' of '+pages+')'):'no items match';
  }
  var timer=null;
  q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,200);});
  q.addEventListener('change',function(){clearTimeout(timer);apply();});
  [fFail,fDis,fTask].forEach(function(c){c.addEventListener('change',apply);});
  document.getElementById('prev').addEventListener('click',function(){if(page>0){page--;render();}});
  document.getElementById('next').addEventListener('click',function(){if((page+1)*PAGE<visible.length){page++;render();}});
  apply();
  document.body.setAttribute('data-rendered','1');
})();
)JS";
}

}  // namespace rwkv::reports
