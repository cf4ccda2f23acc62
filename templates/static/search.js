/* 站内搜索页的脚本：在 build.py 生成的索引里找，在本页列出结果。
   不向任何地方发请求，不用 WebAssembly：从 U 盘打开（file://）和在网站安全策略下都能用。
   索引按相邻两个字（二元组）记下每页有哪些字对，分成几个脚本文件（campaign/render/search.py）：
   search/pages.js 是页面目录（window.JNXCZ_SEARCH），grams-NN.js 是字对，按字对的散列分开，
   texts-NNN.js 是页面文字，每个文件若干页。查一个词时只插入这个词的字对所在的文件和要核对、
   要显示的页面的文字文件（<script src>，从磁盘打开也能载入）。一个词先由它的字对找出候选页面，
   再在页面文字里确认整个词都在。查询和索引的文字都做同样的转换（fold）：全角字母、数字、符号
   当半角（「５月１５日」即「5月15日」），英文字母不分大小写；一个字换一个字，所以在转换后的
   文字里找到的位置，就是原文里要标出的位置。 */
(function () {
  "use strict";

  var LIMIT = 20; // 一次列出的结果数
  var SNIPPET = 110; // 摘要的字数
  var BEFORE = 30; // 摘要里命中处之前留的字数
  var CHECK_ALL = 4; // 候选页面的文字还要载入的不超过这么多个文件时，全部核对、按分量排序，数目准确
  var PRELOAD = 120; // 页面不超过这么多的小网站，打开本页就载入全部索引，打字时不用再等

  var data = window.JNXCZ_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var script = document.getElementById("search-index");
  if (!form || !input || !status || !list || !script) {
    return;
  }
  if (!data) {
    status.textContent = "站内搜索暂时不能使用：没有读到搜索索引。请从上方的栏目菜单查找内容。";
    return;
  }
  var pages = data.pages;
  var base = script.src.slice(0, script.src.lastIndexOf("/") + 1); // pages.js 所在的文件夹
  var parts = (window.JNXCZ_SEARCH_PARTS = window.JNXCZ_SEARCH_PARTS || {});
  var waiting = {}; // 正在载入的文件 -> 载入后要做的事
  var asked = 0; // 最近一次查询的序号：较早的查询载入完时不再显示
  var lowered = []; // 每页规范化后的全部文字，用到时才算

  var FULL = /[\uFF01-\uFF5E\u3000]/;
  var UPPER = /[A-Z]/;

  function fold(text) {
    if (FULL.test(text)) {
      text = text.replace(/[\uFF01-\uFF5E\u3000]/g, function (c) {
        var code = c.charCodeAt(0);
        return String.fromCharCode(code === 0x3000 ? 0x20 : code - 0xFEE0);
      });
    }
    // A-Z 一段一段换成小写：只动英文字母，字数不变（toLowerCase 对个别外文字母会多出字来）
    return UPPER.test(text) ? text.replace(/[A-Z]+/g, function (run) { return run.toLowerCase(); }) : text;
  }

  function normalise(text) {
    return fold(text.replace(/\s+/g, " ").trim());
  }

  // 字对在哪个文件：按各字的码位算 FNV-1a 散列（与 search.py 的 part_of 相同）
  function partOf(gram) {
    var hash = 2166136261;
    Array.from(gram).forEach(function (c) {
      hash = Math.imul(hash ^ c.codePointAt(0), 16777619) >>> 0;
    });
    return named("grams", hash % data.grams);
  }

  // 文件名：grams-07、texts-012（与 search.py 的 Part.name 相同）
  function named(kind, number) {
    return kind + "-" + String(number).padStart(kind === "grams" ? 2 : 3, "0");
  }

  function textPart(number) {
    return named("texts", Math.floor(number / data.texts));
  }

  function textOf(number) {
    var part = parts[textPart(number)];
    return part ? part[number % data.texts] : undefined;
  }

  // 载入这些文件（已经载入的不再载入），都到了再做 done；有一个载入不了就 failed
  function load(names, done, failed) {
    var left = 0;
    var broken = false;
    function arrived(ok) {
      if (!ok && !broken) {
        broken = true;
        failed();
      }
      if (--left === 0 && !broken) {
        done();
      }
    }
    names.forEach(function (name) {
      if (parts[name]) {
        return;
      }
      left++;
      if (waiting[name]) {
        waiting[name].push(arrived);
        return;
      }
      waiting[name] = [arrived];
      var tag = document.createElement("script");
      tag.src = base + name + ".js";
      tag.onload = tag.onerror = function (event) {
        var callbacks = waiting[name];
        delete waiting[name];
        if (event.type === "error") {
          tag.remove(); // 下次查询再试
        }
        callbacks.forEach(function (callback) { callback(event.type === "load" && !!parts[name]); });
      };
      document.head.appendChild(tag);
    });
    if (left === 0) {
      done();
    }
  }

  function haystack(number) {
    if (lowered[number] === undefined) {
      var page = pages[number];
      lowered[number] = normalise(page[1]) + " " + normalise(page[3]) + " " + fold(textOf(number));
    }
    return lowered[number];
  }

  function termsOf(query) {
    var seen = {};
    return normalise(query).split(" ").filter(function (term) {
      if (!term || seen[term]) {
        return false;
      }
      seen[term] = true;
      return true;
    });
  }

  function gramsOf(term) {
    var chars = Array.from(term);
    var found = [];
    for (var i = 0; i + 1 < chars.length; i++) {
      found.push(chars[i] + chars[i + 1]);
    }
    return found;
  }

  function posting(gram) {
    var part = parts[partOf(gram)];
    if (!Object.prototype.hasOwnProperty.call(part, gram)) {
      return [];
    }
    var number = 0;
    return part[gram].split(",").map(function (delta) {
      number += parseInt(delta, 36);
      return number;
    });
  }

  function both(a, b) {
    var keep = {};
    b.forEach(function (n) { keep[n] = true; });
    return a.filter(function (n) { return keep[n]; });
  }

  // 含有每个词全部字对的页面，按页面顺序（单个字的词不缩小范围，留给核对）
  function candidates(terms) {
    var pool = null;
    terms.forEach(function (term) {
      gramsOf(term).forEach(function (gram) {
        pool = pool === null ? posting(gram) : both(pool, posting(gram));
      });
    });
    return pool === null ? pages.map(function (page, number) { return number; }) : pool;
  }

  function count(text, term) {
    var n = 0;
    for (var at = text.indexOf(term); at !== -1 && n < 20; at = text.indexOf(term, at + term.length)) {
      n++;
    }
    return n;
  }

  function inTitle(number, terms) {
    var title = normalise(pages[number][1]);
    return terms.filter(function (term) { return title.indexOf(term) !== -1; }).length;
  }

  function holds(number, terms) {
    var text = haystack(number);
    return terms.every(function (term) { return text.indexOf(term) !== -1; });
  }

  function partsOf(numbers) {
    var seen = {};
    numbers.forEach(function (n) { seen[textPart(n)] = true; });
    return Object.keys(seen);
  }

  // 候选页面不多：全部核对，标题里有的在前，其次是这些词在页面文字里所占的分量
  // （一页专讲的比顺带提到的靠前）；找到几个是准确的数目。
  function ranked(pool, terms) {
    var results = [];
    pool.forEach(function (number) {
      if (!holds(number, terms)) {
        return;
      }
      var text = haystack(number);
      var hits = terms.reduce(function (sum, term) { return sum + count(text, term); }, 0);
      results.push({ number: number, inTitle: inTitle(number, terms), weight: hits / (text.length + 200) });
    });
    results.sort(function (a, b) {
      return b.inTitle - a.inTitle || b.weight - a.weight || a.number - b.number;
    });
    return results.map(function (result) { return result.number; });
  }

  // 候选页面很多（大网站上的常用词）：标题里有的在前，其次按页面顺序（新的报道在前），
  // 只核对要列出的前 LIMIT 个，边核对边载入它们的文字
  function firstOf(pool, terms, done, failed) {
    var order = pool.map(function (number) { return { number: number, inTitle: inTitle(number, terms) }; });
    order.sort(function (a, b) { return b.inTitle - a.inTitle || a.number - b.number; });
    var shown = [];
    var at = 0;
    var wrong = 0;
    (function more() {
      while (at < order.length && shown.length < LIMIT) {
        var number = order[at].number;
        if (textOf(number) === undefined) {
          var next = order.slice(at, at + LIMIT).map(function (entry) { return entry.number; });
          load(partsOf(next), more, failed);
          return;
        }
        if (holds(number, terms)) {
          shown.push(number);
        } else {
          wrong++;
        }
        at++;
      }
      done(shown, at >= order.length ? shown.length : order.length - wrong, at >= order.length);
    })();
  }

  // 把 text 放进 parent，其中 terms 出现的地方用 <mark> 标出
  function marked(parent, text, terms) {
    var low = fold(text);
    var at = 0;
    while (at < text.length) {
      var next = -1;
      var length = 0;
      terms.forEach(function (term) {
        var found = low.indexOf(term, at);
        if (found !== -1 && (next === -1 || found < next || (found === next && term.length > length))) {
          next = found;
          length = term.length;
        }
      });
      if (next === -1) {
        break;
      }
      parent.appendChild(document.createTextNode(text.slice(at, next)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(next, next + length);
      parent.appendChild(mark);
      at = next + length;
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function snippet(text, terms) {
    var low = fold(text);
    var first = -1;
    terms.forEach(function (term) {
      var found = low.indexOf(term);
      if (found !== -1 && (first === -1 || found < first)) {
        first = found;
      }
    });
    var start = first > BEFORE ? first - BEFORE : 0;
    var end = Math.min(text.length, start + SNIPPET);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function failed(mine) {
    return function () {
      if (mine === asked) {
        status.textContent = "站内搜索暂时不能使用：没有读到搜索索引的一部分。请稍后再试，或从上方的栏目菜单查找内容。";
      }
    };
  }

  function show(query) {
    var terms = termsOf(query);
    var mine = ++asked;
    if (!terms.length) {
      list.textContent = "";
      list.hidden = true;
      status.textContent = "请在上面输入要找的内容。";
      return;
    }
    var grams = {};
    terms.forEach(function (term) {
      gramsOf(term).forEach(function (gram) { grams[partOf(gram)] = true; });
    });
    load(Object.keys(grams), function () {
      if (mine !== asked) {
        return;
      }
      var pool = candidates(terms);
      var needed = partsOf(pool);
      if (needed.filter(function (name) { return !parts[name]; }).length <= CHECK_ALL) {
        load(needed, function () {
          if (mine === asked) {
            var found = ranked(pool, terms);
            listed(query, terms, found.slice(0, LIMIT), found.length, true);
          }
        }, failed(mine));
      } else {
        firstOf(pool, terms, function (shown, total, exact) {
          if (mine === asked) {
            listed(query, terms, shown, total, exact);
          }
        }, failed(mine));
      }
    }, failed(mine));
  }

  function listed(query, terms, shown, total, exact) {
    var said = query.trim();
    list.textContent = "";
    if (!shown.length) {
      list.hidden = true;
      status.textContent =
        "没有找到与「" + said + "」有关的内容。请检查有没有错别字，或换一个更短的词再试，例如「直播」「倡议」。";
      return;
    }
    shown.forEach(function (number) {
      var page = pages[number];
      var item = document.createElement("li");
      var heading = document.createElement("h2");
      var link = document.createElement("a");
      link.href = page[0];
      marked(link, page[1], terms);
      heading.appendChild(link);
      item.appendChild(heading);
      var meta = document.createElement("p");
      meta.className = "search-meta";
      meta.textContent = [page[2], page[3]].filter(Boolean).join(" · ");
      item.appendChild(meta);
      var words = textOf(number);
      if (words) {
        var text = document.createElement("p");
        text.className = "search-snippet";
        marked(text, snippet(words, terms), terms);
        item.appendChild(text);
      }
      list.appendChild(item);
    });
    list.hidden = false;
    status.textContent =
      "找到" + (exact ? " " : "约 ") + total + " 个与「" + said + "」有关的页面" +
      (total > shown.length ? "，下面列出最相关的前 " + shown.length + " 个；加一个词可以缩小范围。" : "。");
  }

  function remember(query) {
    try {
      var address = new URL(window.location.href);
      address.searchParams.set("q", query);
      window.history.replaceState(null, "", address.href);
    } catch (e) {
      // 有的浏览器从磁盘打开时不许改地址：结果照样显示
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
    remember(input.value);
  });
  input.addEventListener("input", function (event) {
    if (!event.isComposing) {
      show(input.value);
    }
  });
  input.addEventListener("compositionend", function () {
    show(input.value);
  });

  if (pages.length <= PRELOAD) {
    var all = [];
    for (var n = 0; n < data.grams; n++) {
      all.push(named("grams", n));
    }
    for (var m = 0; m * data.texts < pages.length; m++) {
      all.push(named("texts", m));
    }
    load(all, function () {}, function () {});
  }

  var wanted = new URLSearchParams(window.location.search).get("q");
  if (wanted) {
    input.value = wanted;
    show(wanted);
  } else {
    status.textContent = "请在上面输入要找的内容。";
  }
})();
