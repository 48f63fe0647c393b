# Writes a C++ source that holds several files' bytes and a table naming them, run at build
# time (cmake -P), so a change of any file rebuilds what embeds them:
#   cmake -DASSET_DIR=<dir> -DFILES=<a;b;c> -DOUTPUT=<file.cpp> -DNAMESPACE=<ns> -P EmbedAssets.cmake
# FILES are names relative to ASSET_DIR. The source defines, in namespace NAMESPACE,
# `extern const EmbeddedAsset kEmbeddedAssets[]` and `extern const std::size_t
# kEmbeddedAssetCount`, where EmbeddedAsset is {const char* name; const char* bytes;
# std::size_t size;} (declared by the including header; see host/console/ConsoleAssets.h).
# Bytes, not raw string literals: a file may contain any delimiter.
set(arrays "")
set(table "")
set(index 0)
foreach(name IN LISTS FILES)
  file(READ "${ASSET_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hexLength)
  math(EXPR size "${hexLength} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n" bytes "${bytes}")
  string(APPEND arrays "const char asset${index}[] = {\n${bytes}'\\0'};\n")
  string(APPEND table "    {\"${name}\", asset${index}, ${size}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from the files of ${ASSET_DIR} by cmake/EmbedAssets.cmake; do not edit.\n"
  "#include \"host/console/ConsoleAssets.h\"\n"
  "namespace ${NAMESPACE} {\n"
  "namespace {\n${arrays}}  // namespace\n"
  "extern const EmbeddedAsset kEmbeddedAssets[];\n"
  "extern const std::size_t kEmbeddedAssetCount;\n"
  "const EmbeddedAsset kEmbeddedAssets[] = {\n${table}};\n"
  "const std::size_t kEmbeddedAssetCount = ${index};\n"
  "}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
