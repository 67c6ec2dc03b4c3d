{
  "targets": [
    {
      "target_name": "spanmap_pcap",
      "sources": ["src/module.c", "src/open.c", "src/capture.c", "src/fanout.c"],
      "libraries": ["-lpcap"],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
