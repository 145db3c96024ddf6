## xml: schema validation and document sniffing (the only module that includes libxml2)
libtp_core_la_SOURCES += src/lib/xml/xsd.c src/lib/xml/xslt.c src/lib/xml/xmlsafe.c src/lib/xml/xmlsafe.h
tpinclude_HEADERS += include/trialpack/xml.h
