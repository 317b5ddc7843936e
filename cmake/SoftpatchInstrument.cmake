# softpatch_instrument(<target> [ROOT <dir>])
#
# Builds <target> with soft-mock trampolines in every eligible function of the
# project's C++ files, so that it can be patched live and mocked in tests:
#
#   find_package(softpatch CONFIG REQUIRED)   # or add_subdirectory(softpatch)
#   add_executable(server main.cpp store.cpp)
#   softpatch_instrument(server)
#
# It sets softpatch-cc as the target's C++ compiler launcher (for this target
# only), links the softpatch runtime and loader (into the consumers of a static or
# object library too), exports an executable's symbols so that patches bind to its
# state (--export-dynamic), and writes compile_commands.json. The target's files
# compile with exactly the plain build's standard, defines and flags.
# Files outside the project root (ROOT, by default the top source directory)
# are compiled untouched; give ROOT for sources generated into the build tree.
function(softpatch_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ROOT" "")
  if(NOT arg_ROOT)
    set(arg_ROOT "${CMAKE_SOURCE_DIR}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "softpatch_instrument: no target named '${target}'")
  endif()
  if(NOT SOFTPATCH_CC)
    message(FATAL_ERROR "softpatch_instrument: softpatch-cc not found (SOFTPATCH_CC is empty)")
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    message(FATAL_ERROR "softpatch_instrument: ${target} is an INTERFACE library, which compiles "
                        "nothing: instrument the targets that use it")
  endif()
  set_property(TARGET ${target} PROPERTY CXX_COMPILER_LAUNCHER
               "${SOFTPATCH_CC}" "--root=${arg_ROOT}")
  set_property(TARGET ${target} PROPERTY EXPORT_COMPILE_COMMANDS ON)
  if(type STREQUAL "EXECUTABLE")
    # What ENABLE_EXPORTS does for linking, without the <target>_EXPORTS
    # define it also adds to every compile.
    set_property(TARGET ${target} APPEND PROPERTY LINK_OPTIONS "LINKER:--export-dynamic")
  endif()
  # Linked only ($<LINK_ONLY:>): the target's sources compile exactly as in
  # the plain build (same standard, defines and flags: the runtime's C++17
  # requirement is for code that uses its API); only softpatch's header
  # directory is added, as a system directory, for code that does.
  # Appended to the property rather than via target_link_libraries, which
  # would clash with whichever signature the project already uses.
  # The loader (and the agent in it) is linked even though the program calls
  # nothing in it, where the linker drops unused libraries (--as-needed).
  # By file: a target would bring its usage requirements (the runtime's
  # cxx_std_17 raised a C++11 project to -std=gnu++17); the libraries record
  # their own dependencies.
  set(runtime_link
      "-Wl,--push-state,--no-as-needed" "$<TARGET_FILE:softpatch::loader>" "-Wl,--pop-state"
      "$<TARGET_FILE:softpatch::runtime>")
  if(TARGET softpatch_runtime)  # softpatch built in the same tree
    add_dependencies(${target} softpatch_runtime softpatch_loader)
  endif()
  set_property(TARGET ${target} APPEND PROPERTY LINK_LIBRARIES ${runtime_link})
  # A static or object library's code is linked into its consumers, plain
  # ones too: they link the runtime with it.
  if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "OBJECT_LIBRARY")
    set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${runtime_link})
  endif()
  target_include_directories(${target} SYSTEM PRIVATE
    $<TARGET_PROPERTY:softpatch::runtime,INTERFACE_INCLUDE_DIRECTORIES>
    $<TARGET_PROPERTY:softpatch::loader,INTERFACE_INCLUDE_DIRECTORIES>)
  if(TARGET softpatch-cc)
    add_dependencies(${target} softpatch-cc)
  endif()
  # A new softpatch-cc may instrument differently: rebuild the objects.
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY
               OBJECT_DEPENDS "${SOFTPATCH_CC}")
endfunction()
