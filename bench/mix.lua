-- wrk script for bench/redirect.py: a realistic mix of short-link clicks.
--
--   wrk -t2 -c64 -d10s --latency -s bench/mix.lua http://127.0.0.1:PORT -- CODE1 CODE2 ...
--
-- Rotates over the short codes given after "--", five query strings and
-- twelve user agents (copied verbatim from tests/data/user_agents.tsv),
-- some with a Referer. Counts status 302 per thread in response() and
-- prints the totals in done() as lines starting with "BENCH ".

local queries = {
   "",
   "?ttclid=E.C.P.abc123",
   "?utm_source=ig&utm_medium=paid_social",
   "?fbclid=IwAR0x",
   "?igshid=MzRlODBiNWFlZA==",
}

-- { user agent, Referer or nil }
local agents = {
   -- Instagram in-app (iOS, Android)
   { "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML,like Gecko) Mobile/21F79 Instagram 330.0.3.29.91 (iPhone14,3; iOS 17_5; en_IR@calendar=gregorian; en; scale=3.00; 1125x2436; 595323416)",
     "https://l.instagram.com/" },
   { "Mozilla/5.0 (Linux; Android 13; 23028RN4DI Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.66 Mobile Safari/537.36 Instagram 308.0.0.36.109 Android (33/13; 320dpi; 720x1460; Xiaomi/Redmi; 23028RN4DI; cloud; mt6765; en_IN; 534961943)",
     nil },
   -- TikTok in-app
   { "Mozilla/5.0 (Linux; Android 10; SM-G973F Build/QQ3A.200805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/85.0.4183.101 Mobile Safari/537.36 trill_2021806060 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/18.6.6 ByteLocale/fr ByteFullLocale/fr Region/FR",
     nil },
   { "Mozilla/5.0 (Linux; Android 9; HP Chromebook x360 11 G1 EE Build/R92-13982.69.0; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/92.0.4515.131 Safari/537.36 trill_2022007050 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/20.7.5 ByteLocale/en ByteFullLocale/en Region/US",
     "https://www.tiktok.com/" },
   -- Facebook in-app (iOS, Android)
   { "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone11,8;FBMD/iPhone;FBSN/iOS;FBSV/13.3.1;FBSS/2;FBID/phone;FBLC/en_US;FBOP/5;FBCR/]",
     "https://m.facebook.com/" },
   { "Mozilla/5.0 (Linux; Android 9; SM-G950U Build/PPR1.180610.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/80.0.3987.149 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/263.0.0.46.121;]",
     nil },
   -- plain Safari
   { "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1",
     "https://www.google.com/" },
   { "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.1 Safari/605.1.15",
     nil },
   -- plain Chrome
   { "Mozilla/5.0 (Linux; Android 13; Pixel 6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.0.0 Mobile Safari/537.36",
     "https://linktr.ee/" },
   { "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/100.0.4758.102 Safari/537.36",
     nil },
   -- link-preview bots
   { "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", nil },
   { "WhatsApp/2.21.12.21 A", nil },
}

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

-- per-thread state (globals, so done() can read them with thread:get)
n302 = 0
statuses = {}
local reqs = {}
local pos = 0

function init(args)
   local codes = {}
   for _, a in ipairs(args) do
      if a ~= "--" and a:match("^[%w_-]+$") then
         table.insert(codes, a)
      end
   end
   if #codes == 0 then
      codes = { "bench" }
   end
   local host = wrk.headers["Host"]
   for _, code in ipairs(codes) do
      for _, q in ipairs(queries) do
         for _, agent in ipairs(agents) do
            local h = {
               ["Host"] = host,
               ["User-Agent"] = agent[1],
               ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
               ["Accept-Language"] = "en-US,en;q=0.9",
            }
            if agent[2] then
               h["Referer"] = agent[2]
            end
            table.insert(reqs, wrk.format("GET", "/" .. code .. q, h))
         end
      end
   end
   -- Deterministic shuffle, different per thread, so consecutive requests
   -- vary code, query and agent independently.
   math.randomseed(1000 + (id or 1))
   for i = #reqs, 2, -1 do
      local j = math.random(i)
      reqs[i], reqs[j] = reqs[j], reqs[i]
   end
end

function request()
   pos = pos % #reqs + 1
   return reqs[pos]
end

function response(status, headers, body)
   if status == 302 then
      n302 = n302 + 1
   else
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total302 = 0
   local other = {}
   for _, t in ipairs(threads) do
      total302 = total302 + (t:get("n302") or 0)
      local s = t:get("statuses") or {}
      for status, count in pairs(s) do
         other[status] = (other[status] or 0) + count
      end
   end
   io.write(string.format("BENCH 302=%d\n", total302))
   for status, count in pairs(other) do
      io.write(string.format("BENCH status %s=%d\n", tostring(status), count))
   end
   io.write(string.format("BENCH requests=%d\n", summary.requests))
end
