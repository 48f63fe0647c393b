# The orderhost Debian packages (CPack DEB): `scripts/package.sh`, or `cpack -G DEB` in a build tree.
# Two packages, one per component group:
#   orderhost      what a running host needs — orderhost, orderhost-plugin-worker (beside it,
#                  where the host looks), the reference plugins, the systemd unit, the service
#                  user (maintainer scripts), the configuration in /etc/orderhost (conffiles);
#   orderhost-dev  the SDK for plugin authors — headers, CMake package, pkg-config files, the
#                  test kit library, templates and examples. It needs no host to build and test
#                  a plugin, so it only recommends orderhost.
# Layout: docs/admin-guide.md "Debian package".
#
# The system files (/etc, the unit, /usr/share/doc) are installed by the components "system"
# and "sdk_docs", which are EXCLUDE_FROM_ALL: a plain `cmake --install` into a prefix never
# writes to /etc; the packages name every component and so get them.

set(ORDERHOST_PACKAGE_PREFIX /usr)
# The Debian revision: 2 since the SDK left the orderhost package for orderhost-dev (1 held
# both). The package tests take "<version>-<revision>" from here.
set(ORDERHOST_DEB_RELEASE 2)
set(ORDERHOST_PACKAGE_TEMPLATES_DIR ${ORDERHOST_PACKAGE_PREFIX}/share/orderhost/templates)

# Mail templates the example chains' notification steps render (not conffiles: copy them to
# /etc/orderhost and point templates_dir there to change them).
install(DIRECTORY config/templates/ DESTINATION share/orderhost/templates COMPONENT system EXCLUDE_FROM_ALL)
install(FILES README.md docs/admin-guide.md docs/plugin-author-guide.md docs/api.md docs/plugins.md
        DESTINATION share/doc/orderhost COMPONENT system EXCLUDE_FROM_ALL)
install(FILES packaging/copyright DESTINATION share/doc/orderhost COMPONENT system EXCLUDE_FROM_ALL)

install(FILES packaging/orderhost.properties DESTINATION /etc/orderhost COMPONENT system EXCLUDE_FROM_ALL)
install(FILES packaging/orderhost.service DESTINATION /lib/systemd/system COMPONENT system EXCLUDE_FROM_ALL)

# The example chains, with templates_dir pointing at the installed templates instead of the
# repository's config/templates (relative to a host started from the clone).
file(GLOB _orderhost_chain_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/config/chains/*.yaml")
set(_orderhost_conffiles "/etc/orderhost/orderhost.properties\n")
foreach(chain IN LISTS _orderhost_chain_files)
  get_filename_component(name "${chain}" NAME)
  file(READ "${chain}" text)
  string(REGEX REPLACE "templates_dir: config/templates[^\n]*"
         "templates_dir: ${ORDERHOST_PACKAGE_TEMPLATES_DIR}  # the package's templates" text "${text}")
  file(WRITE "${CMAKE_BINARY_DIR}/packaging/chains/${name}.new" "${text}")
  # Rewritten only on change, so cpack's install step sees a stable file.
  file(COPY_FILE "${CMAKE_BINARY_DIR}/packaging/chains/${name}.new" "${CMAKE_BINARY_DIR}/packaging/chains/${name}"
       ONLY_IF_DIFFERENT)
  file(REMOVE "${CMAKE_BINARY_DIR}/packaging/chains/${name}.new")
  install(FILES "${CMAKE_BINARY_DIR}/packaging/chains/${name}" DESTINATION /etc/orderhost/chains
          COMPONENT system EXCLUDE_FROM_ALL)
  string(APPEND _orderhost_conffiles "/etc/orderhost/chains/${name}\n")
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/packaging/conffiles" "${_orderhost_conffiles}")
foreach(script postinst prerm postrm)
  configure_file(packaging/debian/${script} "${CMAKE_BINARY_DIR}/packaging/${script}" COPYONLY)
endforeach()
foreach(script postinst postrm triggers)
  configure_file(packaging/debian/dev/${script} "${CMAKE_BINARY_DIR}/packaging/dev/${script}" COPYONLY)
endforeach()
# Debian policy: /usr/share/doc/<package>/changelog.Debian.gz, compressed with -n (no timestamp).
configure_file(packaging/debian/changelog.in "${CMAKE_BINARY_DIR}/packaging/changelog.Debian" @ONLY)
execute_process(COMMAND gzip -9nc "${CMAKE_BINARY_DIR}/packaging/changelog.Debian"
                OUTPUT_FILE "${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz" COMMAND_ERROR_IS_FATAL ANY)
install(FILES "${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz" DESTINATION share/doc/orderhost
        COMPONENT system EXCLUDE_FROM_ALL)
# Every package has its own /usr/share/doc/<package> (Debian policy 12.5, 12.7).
install(FILES packaging/copyright "${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz"
        DESTINATION share/doc/orderhost-dev COMPONENT sdk_docs EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME orderhost)
set(CPACK_PACKAGE_VENDOR "orderhost")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "orderhost maintainers <maintainers@orderhost.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX ${ORDERHOST_PACKAGE_PREFIX})
# CPack's own default on purpose: with any other summary CPackDeb puts it in front of each
# package's description, whose first line is that package's synopsis.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
# Strip the RelWithDebInfo binaries: the packages are for running, not debugging.
set(CPACK_STRIP_FILES ON)

# One package per component group. "Unspecified" holds orderhost and orderhost-plugin-worker
# (host/app, host/worker install them without a component); the package test checks both are in.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL Unspecified plugins system sdk sdk_docs)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${ORDERHOST_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://orderhost.example")
# Both come from one source (one changelog, one version): the Source field says so.
set(CPACK_DEBIAN_PACKAGE_SOURCE orderhost)
# Shared-library dependencies from dpkg-shlibdeps: Poco, spdlog, yaml-cpp, unixODBC, libsodium...
# for the host; SQLite for the test kit.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The test kit (liborderhost-testkit.so.N) gets a shlibs file and an ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# orderhost: plus what the host needs at run time without linking it — the SQLite ODBC driver
# of the default config (registered by odbcinst), adduser for the postinst.
set(CPACK_DEBIAN_HOST_PACKAGE_NAME orderhost)
set(CPACK_DEBIAN_HOST_PACKAGE_SECTION net)
set(CPACK_DEBIAN_HOST_PACKAGE_DEPENDS "libsqliteodbc, odbcinst, unixodbc, adduser")
set(CPACK_DEBIAN_HOST_PACKAGE_RECOMMENDS "odbc-postgresql")
set(CPACK_DEBIAN_HOST_PACKAGE_SUGGESTS "postgresql, orderhost-dev")
# Lines under 80 characters (lintian: extended-description-line-too-long).
set(CPACK_DEBIAN_HOST_DESCRIPTION
    "order chains of plugin steps for an ERP
orderhost runs an ERP's customer orders through chains of plugin steps
(validation, credit, sourcing, billing, payment, shipping, notification and
more) loaded from shared libraries through a stable C ABI, and keeps every
order's state in a database reached through ODBC (SQLite by default,
PostgreSQL for scale-out). The package holds the server, its reference
plugins, example chains and a systemd unit; the SDK for plugin authors is
in orderhost-dev.")
set(CPACK_DEBIAN_HOST_PACKAGE_CONTROL_EXTRA
    "${CMAKE_BINARY_DIR}/packaging/conffiles"
    "${CMAKE_BINARY_DIR}/packaging/postinst"
    "${CMAKE_BINARY_DIR}/packaging/prerm"
    "${CMAKE_BINARY_DIR}/packaging/postrm")

# orderhost-dev: builds and tests plugins without a host; `orderhost plugin new` (in orderhost)
# reads its templates, hence the recommendation.
set(CPACK_DEBIAN_DEV_PACKAGE_NAME orderhost-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "orderhost (= ${PROJECT_VERSION}-${ORDERHOST_DEB_RELEASE}), cmake, g++, pkg-config")
# Its files were orderhost's up to revision 1: an upgrade from there moves them over.
set(CPACK_DEBIAN_DEV_PACKAGE_BREAKS "orderhost (<< ${PROJECT_VERSION}-2)")
set(CPACK_DEBIAN_DEV_PACKAGE_REPLACES "orderhost (<< ${PROJECT_VERSION}-2)")
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "SDK for orderhost plugins
Headers of the stable C plugin ABI and the C++ SDK over it, a CMake package
(find_package(OrderHostSDK)) and pkg-config files, the plugin test kit (a
library that loads a plugin's shared object and runs its steps without a
host), and the templates and examples of `orderhost plugin new`.")
set(CPACK_DEBIAN_DEV_PACKAGE_CONTROL_EXTRA
    "${CMAKE_BINARY_DIR}/packaging/dev/postinst"
    "${CMAKE_BINARY_DIR}/packaging/dev/postrm"
    "${CMAKE_BINARY_DIR}/packaging/dev/triggers")

include(CPack)
cpack_add_component_group(host)
cpack_add_component_group(dev)
foreach(component Unspecified plugins system)
  cpack_add_component(${component} GROUP host)
endforeach()
foreach(component sdk sdk_docs)
  cpack_add_component(${component} GROUP dev)
endforeach()
