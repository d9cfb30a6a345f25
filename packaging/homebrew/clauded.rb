# Homebrew formula: builds clauded from source with the locked dependencies.
#   brew install --build-from-source ./packaging/homebrew/clauded.rb
#   brew services start clauded          # or: clauded service install (a launchd agent)
# `homepage`, `url` and `head` name where the repository is published: set them to its real
# address when publishing the formula in a tap (the project has no public remote yet).
class Clauded < Formula
  desc "Claude in the terminal and as a local OpenAI-compatible daemon"
  homepage "https://github.com/clauded-dev/clauded"
  url "https://github.com/clauded-dev/clauded.git",
      tag: "v0.2.0"
  license any_of: ["MIT", "Apache-2.0"]
  head "https://github.com/clauded-dev/clauded.git", branch: "main"

  depends_on "pkgconf" => :build
  depends_on "rust" => :build

  def install
    # std_cargo_args is `--locked --root=#{prefix} --path=.`: the versions the tests ran
    system "cargo", "install", *std_cargo_args
    man1.install Dir["man/*.1"]
    bash_completion.install "completions/clauded.bash" => "clauded"
    zsh_completion.install "completions/_clauded"
    fish_completion.install "completions/clauded.fish"
  end

  service do
    run [opt_bin/"clauded", "serve"]
    keep_alive true
    log_path var/"log/clauded.log"
    error_log_path var/"log/clauded.log"
  end

  test do
    assert_match "clauded #{version}", shell_output("#{bin}/clauded --version")
    port = free_port
    # nothing listens there yet: the probe must say so and exit 1
    shell_output("#{bin}/clauded health --url http://127.0.0.1:#{port} --timeout 2", 1)
    ENV["CLAUDED_HOME"] = testpath
    pid = spawn bin/"clauded", "serve", "--port", port.to_s
    begin
      sleep 3
      assert_match "ready", shell_output("#{bin}/clauded health --url http://127.0.0.1:#{port}")
    ensure
      Process.kill("TERM", pid)
      Process.wait(pid)
    end
  end
end
