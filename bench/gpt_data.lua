-- Writes the fortunes corpus's fixed train/test split as JSON Lines (one {"text": …} per document),
-- so that our PyTorch peer (bench/gpt_torch.py) trains and evaluates on exactly ouro's documents.
--   ouro run bench/gpt_data.lua DIR
local dir = arg and arg[1] or "runs/gpt-data"
os.execute("mkdir -p " .. dir)
local function escape(s)
  return (s:gsub('[%c"\\\128-\255]', function(c)
    local b = c:byte()
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" elseif c == "\n" then return "\\n" elseif c == "\t" then return "\\t" end
    return ("\\u%04x"):format(b)      -- control characters and high bytes as code points 0…255 (latin-1)
  end))
end
for _, split in ipairs({"train", "test"}) do
  local docs = ouro.data.text{split = split}
  local f = assert(io.open(dir .. "/" .. split .. ".jsonl", "wb"))
  for i = 1, #docs do f:write('{"text": "', escape(docs[i]), '"}\n') end
  f:close()
  print(split, #docs, docs:bytes())
end
