#include "env/gzip_writer.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "fetch/worker_pool.h"

namespace sparkenv::env {
namespace {

constexpr size_t kDictionary = 32 << 10;

struct Block {
  std::string input;
  std::string dictionary;  // the previous block's last 32 KiB
  bool last = false;
  std::string output;
  uint32_t crc = 0;
  bool done = false;
  bool failed = false;
};

int PoolThreads() { return fetch::WorkerPool::DefaultThreads(8); }

fetch::WorkerPool& Pool() {
  // Never destroyed: its threads may still be parked when static objects go.
  static auto* pool = new fetch::WorkerPool(PoolThreads());
  return *pool;
}

// ISA-L's deflate: byte-compatible with every inflater, about four times as
// fast as zlib's level 1 here, and its level 2 compresses a little better.
void Compress(Block& b, int level) {
  isal_zstream z;
  isal_deflate_init(&z);
  std::vector<uint8_t> level_buf(level >= 2 ? ISAL_DEF_LVL2_DEFAULT : ISAL_DEF_LVL1_DEFAULT);
  z.level = static_cast<uint32_t>(std::clamp(level, 1, 2));
  z.level_buf = level_buf.data();
  z.level_buf_size = static_cast<uint32_t>(level_buf.size());
  if (!b.dictionary.empty() &&
      isal_deflate_set_dict(&z, reinterpret_cast<uint8_t*>(b.dictionary.data()),
                            static_cast<uint32_t>(b.dictionary.size())) != COMP_OK) {
    b.failed = true;
    return;
  }
  z.flush = b.last ? NO_FLUSH : SYNC_FLUSH;
  z.end_of_stream = b.last ? 1 : 0;
  z.next_in = reinterpret_cast<uint8_t*>(b.input.data());
  z.avail_in = static_cast<uint32_t>(b.input.size());
  b.output.resize(b.input.size() + b.input.size() / 8 + 4096);
  while (true) {
    z.next_out = reinterpret_cast<uint8_t*>(b.output.data() + z.total_out);
    z.avail_out = static_cast<uint32_t>(b.output.size() - z.total_out);
    if (isal_deflate(&z) != COMP_OK) {
      b.failed = true;
      return;
    }
    const bool done =
        b.last ? z.internal_state.state == ZSTATE_END : z.avail_in == 0 && z.avail_out != 0;
    if (done) break;
    b.output.resize(b.output.size() * 2);
  }
  b.output.resize(z.total_out);
  b.crc = crc32_gzip_refl(0, reinterpret_cast<const uint8_t*>(b.input.data()), b.input.size());
}

}  // namespace

std::string GzipTrailer(uint32_t crc32, uint64_t size) {
  std::string out;
  for (uint32_t v : {crc32, static_cast<uint32_t>(size & 0xFFFFFFFFu)}) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  return out;
}

struct ParallelGzipWriter::State {
  Sink sink;
  int level = 1;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Block>> pending;  // in stream order
  std::string current;
  std::string dictionary;
  uint32_t crc = 0;
  uint64_t total = 0;
  bool header = false;
  bool finished = false;

  void Submit(std::string input, bool last, const std::shared_ptr<State>& self) {
    auto block = std::make_shared<Block>();
    block->dictionary = dictionary;
    if (input.size() >= kDictionary) {
      dictionary = input.substr(input.size() - kDictionary);
    } else {
      dictionary += input;
      if (dictionary.size() > kDictionary) dictionary.erase(0, dictionary.size() - kDictionary);
    }
    block->input = std::move(input);
    block->last = last;
    {
      std::lock_guard<std::mutex> lock(mu);
      pending.push_back(block);
    }
    Pool().Post([block, self] {
      Compress(*block, self->level);
      std::lock_guard<std::mutex> lock(self->mu);
      block->done = true;
      self->cv.notify_all();
    });
  }

  // Writes finished blocks, in order, until at most `keep` are in flight.
  Status Drain(size_t keep) {
    while (true) {
      std::shared_ptr<Block> block;
      {
        std::unique_lock<std::mutex> lock(mu);
        if (pending.size() <= keep) return Status::Ok();
        cv.wait(lock, [this] { return pending.front()->done; });
        block = pending.front();
        pending.pop_front();
      }
      if (block->failed) return Error("internal: zlib failed to compress", ErrorKind::kInternal);
      if (!header) {
        header = true;
        if (Status s = sink(std::string_view(kGzipHeader, sizeof kGzipHeader)); !s.ok()) return s;
      }
      crc = static_cast<uint32_t>(
          crc32_combine(crc, block->crc, static_cast<z_off_t>(block->input.size())));
      total += block->input.size();
      if (Status s = sink(block->output); !s.ok()) return s;
    }
  }
};

ParallelGzipWriter::ParallelGzipWriter(Sink sink, int level) : state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
  state_->level = level;
  state_->crc = static_cast<uint32_t>(crc32(0, nullptr, 0));
}

ParallelGzipWriter::~ParallelGzipWriter() {
  // Blocks still in flight hold the state; nothing to wait for.
}

Status ParallelGzipWriter::Write(std::string_view data) {
  State& s = *state_;
  const size_t keep = 2 * static_cast<size_t>(PoolThreads());
  while (!data.empty()) {
    size_t take = std::min(data.size(), kBlockSize - s.current.size());
    s.current.append(data.substr(0, take));
    data.remove_prefix(take);
    if (s.current.size() == kBlockSize) {
      std::string block;
      block.swap(s.current);
      s.current.reserve(kBlockSize);
      s.Submit(std::move(block), false, state_);
      if (Status st = s.Drain(keep); !st.ok()) return st;
    }
  }
  return Status::Ok();
}

Status ParallelGzipWriter::Finish() {
  State& s = *state_;
  if (s.finished) return Error("internal: gzip stream finished twice", ErrorKind::kInternal);
  s.finished = true;
  std::string rest;
  rest.swap(s.current);
  s.Submit(std::move(rest), true, state_);
  if (Status st = s.Drain(0); !st.ok()) return st;
  return s.sink(GzipTrailer(s.crc, s.total));
}

}  // namespace sparkenv::env
