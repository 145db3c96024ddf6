<?xml version="1.0" encoding="UTF-8"?>
<!--
  define2html.xsl - trialpack's own XSLT 1.0 stylesheet that renders a Define-XML 2.0 or 2.1
  document (ODM 1.3, optional ARM 1.0 analysis results) into one self-contained HTML5 page.

  Usage:  xsltproc -nonet -o define.html define2html.xsl define.xml

  Design notes
  * Define-XML 2.0 input is first normalised into the 2.1 namespace (exsl:node-set), so every
    template below is written once, against def = http://www.cdisc.org/ns/def/v2.1.
  * Element ids are derived from OIDs: a kind prefix ("ds-", "cl-", ...) plus the OID with every
    character outside [A-Za-z0-9.-] written as "_HH" (its ASCII code in hex), so two different
    OIDs never share an id.  Internal links are only written when their target is rendered.
  * No JavaScript, no external resources, no dates or generated ids: the output is a pure
    function of the input (xsltproc twice gives the same bytes).

  Parameters
    inline-terms   largest codelist that is listed inline in the variable tables (default 5)
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:odm="http://www.cdisc.org/ns/odm/v1.3"
    xmlns:def="http://www.cdisc.org/ns/def/v2.1"
    xmlns:def20="http://www.cdisc.org/ns/def/v2.0"
    xmlns:arm="http://www.cdisc.org/ns/arm/v1.0"
    xmlns:xlink="http://www.w3.org/1999/xlink"
    xmlns:exsl="http://exslt.org/common"
    exclude-result-prefixes="odm def def20 arm xlink exsl">

  <xsl:output method="html" encoding="UTF-8" indent="no"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="inline-terms" select="5"/>

  <!-- ===================================================================================== -->
  <!-- Lookup keys (valid in the source document and in the normalised copy)                  -->
  <!-- ===================================================================================== -->
  <xsl:key name="ig" match="odm:ItemGroupDef" use="@OID"/>
  <xsl:key name="it" match="odm:ItemDef" use="@OID"/>
  <xsl:key name="cl" match="odm:CodeList" use="@OID"/>
  <xsl:key name="mt" match="odm:MethodDef" use="@OID"/>
  <xsl:key name="com" match="def:CommentDef" use="@OID"/>
  <xsl:key name="vl" match="def:ValueListDef" use="@OID"/>
  <xsl:key name="wc" match="def:WhereClauseDef" use="@OID"/>
  <xsl:key name="leaf" match="def:leaf" use="@ID"/>
  <xsl:key name="std" match="def:Standard" use="@OID"/>
  <xsl:key name="igref" match="odm:ItemGroupDef/odm:ItemRef" use="@ItemOID"/>
  <xsl:key name="it-by-vl" match="odm:ItemDef" use="def:ValueListRef/@ValueListOID"/>

  <!-- Characters kept as they are in ids; every other ASCII character becomes _HH. -->
  <xsl:variable name="id-safe"
      select="'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-'"/>
  <xsl:variable name="ascii-rtf"> !"#$%&amp;'()*+,-./0123456789:;&lt;=&gt;?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~</xsl:variable>
  <xsl:variable name="ascii" select="string($ascii-rtf)"/>
  <xsl:variable name="hex" select="'0123456789ABCDEF'"/>
  <xsl:variable name="ws" select="'&#9;&#10;&#13; '"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>

  <!-- ===================================================================================== -->
  <!-- Entry: normalise Define-XML 2.0 into the 2.1 namespace, then render                    -->
  <!-- ===================================================================================== -->
  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="//def20:* or //@def20:*">
        <xsl:variable name="normalised">
          <xsl:apply-templates select="odm:ODM" mode="norm"/>
        </xsl:variable>
        <xsl:apply-templates select="exsl:node-set($normalised)/odm:ODM" mode="page"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="odm:ODM" mode="page"/>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:if test="not(odm:ODM)">
      <xsl:message terminate="yes">define2html.xsl: the input is not an ODM 1.3 document</xsl:message>
    </xsl:if>
  </xsl:template>

  <xsl:template match="def20:*" mode="norm">
    <xsl:element name="def:{local-name()}" namespace="http://www.cdisc.org/ns/def/v2.1">
      <xsl:apply-templates select="@*|node()" mode="norm"/>
    </xsl:element>
  </xsl:template>
  <xsl:template match="*" mode="norm">
    <xsl:element name="{name()}" namespace="{namespace-uri()}">
      <xsl:apply-templates select="@*|node()" mode="norm"/>
    </xsl:element>
  </xsl:template>
  <xsl:template match="@def20:*" mode="norm">
    <xsl:attribute name="def:{local-name()}" namespace="http://www.cdisc.org/ns/def/v2.1">
      <xsl:value-of select="."/>
    </xsl:attribute>
  </xsl:template>
  <xsl:template match="@*" mode="norm">
    <xsl:copy-of select="."/>
  </xsl:template>
  <xsl:template match="text()" mode="norm">
    <xsl:copy-of select="."/>
  </xsl:template>
  <xsl:template match="comment()|processing-instruction()" mode="norm"/>

  <!-- ===================================================================================== -->
  <!-- The page                                                                              -->
  <!-- ===================================================================================== -->
  <xsl:template match="odm:ODM" mode="page">
    <xsl:variable name="study" select="odm:Study[1]"/>
    <xsl:variable name="mdv" select="$study/odm:MetaDataVersion[1]"/>
    <xsl:variable name="gv" select="$study/odm:GlobalVariables"/>
    <xsl:variable name="title">
      <xsl:choose>
        <xsl:when test="normalize-space($gv/odm:StudyName)">
          <xsl:value-of select="normalize-space($gv/odm:StudyName)"/>
        </xsl:when>
        <xsl:otherwise><xsl:value-of select="$study/@OID"/></xsl:otherwise>
      </xsl:choose>
      <xsl:text> – Data Definitions</xsl:text>
    </xsl:variable>

    <xsl:text disable-output-escaping="yes">&lt;!DOCTYPE html&gt;&#10;</xsl:text>
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="generator" content="trialpack define2html.xsl"/>
        <title><xsl:value-of select="$title"/></title>
        <style><xsl:call-template name="css"/></style>
      </head>
      <body>
        <xsl:call-template name="toc">
          <xsl:with-param name="mdv" select="$mdv"/>
        </xsl:call-template>
        <main>
          <header id="top">
            <p class="kicker">Define-XML <xsl:value-of select="$mdv/@def:DefineVersion"/>
              <xsl:if test="@def:Context"> · <xsl:value-of select="@def:Context"/></xsl:if>
            </p>
            <h1><xsl:value-of select="$title"/></h1>
            <xsl:call-template name="study-table">
              <xsl:with-param name="gv" select="$gv"/>
              <xsl:with-param name="mdv" select="$mdv"/>
            </xsl:call-template>
          </header>
          <xsl:apply-templates select="$mdv/def:Standards[def:Standard]"/>
          <xsl:call-template name="documents">
            <xsl:with-param name="mdv" select="$mdv"/>
          </xsl:call-template>
          <xsl:apply-templates select="$mdv/arm:AnalysisResultDisplays[arm:ResultDisplay]"/>
          <xsl:call-template name="datasets">
            <xsl:with-param name="mdv" select="$mdv"/>
          </xsl:call-template>
          <xsl:if test="$mdv/def:ValueListDef">
            <section id="sec-vlm">
              <xsl:call-template name="h2">
                <xsl:with-param name="text" select="'Value Level Metadata'"/>
              </xsl:call-template>
              <xsl:apply-templates select="$mdv/def:ValueListDef"/>
            </section>
          </xsl:if>
          <xsl:if test="$mdv/odm:CodeList[not(odm:ExternalCodeList)]">
            <section id="sec-codelists">
              <xsl:call-template name="h2">
                <xsl:with-param name="text" select="'Controlled Terminology'"/>
              </xsl:call-template>
              <xsl:apply-templates select="$mdv/odm:CodeList[not(odm:ExternalCodeList)]"/>
            </section>
          </xsl:if>
          <xsl:if test="$mdv/odm:CodeList[odm:ExternalCodeList]">
            <xsl:call-template name="dictionaries">
              <xsl:with-param name="mdv" select="$mdv"/>
            </xsl:call-template>
          </xsl:if>
          <xsl:if test="$mdv/odm:MethodDef">
            <xsl:call-template name="methods">
              <xsl:with-param name="mdv" select="$mdv"/>
            </xsl:call-template>
          </xsl:if>
          <xsl:if test="$mdv/def:CommentDef">
            <xsl:call-template name="comments">
              <xsl:with-param name="mdv" select="$mdv"/>
            </xsl:call-template>
          </xsl:if>
          <footer>
            <p>Rendered from <span class="mono"><xsl:value-of select="@FileOID"/></span>
              by trialpack <span class="mono">define2html.xsl</span>. This page is a rendering of
              the define.xml metadata; the define.xml file remains the reference.</p>
          </footer>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- Section heading with a link back to the top. -->
  <xsl:template name="h2">
    <xsl:param name="text"/>
    <h2><xsl:value-of select="$text"/><a class="top" href="#top">Top ↑</a></h2>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Table of contents (sticky side bar)                                                    -->
  <!-- ===================================================================================== -->
  <xsl:template name="toc">
    <xsl:param name="mdv"/>
    <nav class="toc" aria-label="Contents">
      <p class="toc-title"><a href="#top">
        <xsl:choose>
          <xsl:when test="normalize-space($mdv/../odm:GlobalVariables/odm:StudyName)">
            <xsl:value-of select="normalize-space($mdv/../odm:GlobalVariables/odm:StudyName)"/>
          </xsl:when>
          <xsl:otherwise>Study</xsl:otherwise>
        </xsl:choose>
      </a></p>
      <ul>
        <xsl:if test="$mdv/def:Standards/def:Standard">
          <li><a href="#sec-standards">Standards</a></li>
        </xsl:if>
        <xsl:if test="$mdv/def:leaf">
          <li><a href="#sec-documents">Documents</a></li>
        </xsl:if>
        <xsl:if test="$mdv/arm:AnalysisResultDisplays/arm:ResultDisplay">
          <li><a href="#sec-arm">Analysis Results</a>
            <ul>
              <xsl:for-each select="$mdv/arm:AnalysisResultDisplays/arm:ResultDisplay">
                <li>
                  <xsl:call-template name="ilink">
                    <xsl:with-param name="p" select="'rd-'"/>
                    <xsl:with-param name="oid" select="@OID"/>
                    <xsl:with-param name="label" select="string(@Name)"/>
                    <xsl:with-param name="class" select="''"/>
                  </xsl:call-template>
                </li>
              </xsl:for-each>
            </ul>
          </li>
        </xsl:if>
        <li><a href="#sec-datasets">Datasets</a>
          <xsl:if test="$mdv/odm:ItemGroupDef">
            <ul>
              <xsl:for-each select="$mdv/odm:ItemGroupDef">
                <li>
                  <xsl:call-template name="ilink">
                    <xsl:with-param name="p" select="'ds-'"/>
                    <xsl:with-param name="oid" select="@OID"/>
                    <xsl:with-param name="label">
                      <xsl:value-of select="@Name"/>
                      <xsl:variable name="d">
                        <xsl:call-template name="text-of">
                          <xsl:with-param name="d" select="odm:Description"/>
                        </xsl:call-template>
                      </xsl:variable>
                      <xsl:if test="string($d)">
                        <span class="toc-desc"><xsl:value-of select="$d"/></span>
                      </xsl:if>
                    </xsl:with-param>
                    <xsl:with-param name="class" select="''"/>
                  </xsl:call-template>
                </li>
              </xsl:for-each>
            </ul>
          </xsl:if>
        </li>
        <xsl:if test="$mdv/def:ValueListDef">
          <li><a href="#sec-vlm">Value Level Metadata</a></li>
        </xsl:if>
        <xsl:if test="$mdv/odm:CodeList[not(odm:ExternalCodeList)]">
          <li><a href="#sec-codelists">Controlled Terminology</a></li>
        </xsl:if>
        <xsl:if test="$mdv/odm:CodeList[odm:ExternalCodeList]">
          <li><a href="#sec-dictionaries">External Dictionaries</a></li>
        </xsl:if>
        <xsl:if test="$mdv/odm:MethodDef">
          <li><a href="#sec-methods">Methods</a></li>
        </xsl:if>
        <xsl:if test="$mdv/def:CommentDef">
          <li><a href="#sec-comments">Comments</a></li>
        </xsl:if>
      </ul>
    </nav>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Study header                                                                          -->
  <!-- ===================================================================================== -->
  <xsl:template name="study-table">
    <xsl:param name="gv"/>
    <xsl:param name="mdv"/>
    <xsl:variable name="odm" select="$mdv/../.."/>
    <table class="kv study">
      <tbody>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Study name'"/>
          <xsl:with-param name="v" select="$gv/odm:StudyName"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Study description'"/>
          <xsl:with-param name="v" select="$gv/odm:StudyDescription"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Protocol name'"/>
          <xsl:with-param name="v" select="$gv/odm:ProtocolName"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Metadata version'"/>
          <xsl:with-param name="v" select="$mdv/@Name"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Metadata description'"/>
          <xsl:with-param name="v" select="$mdv/@Description"/>
        </xsl:call-template>
        <xsl:if test="$mdv/@def:StandardName">
          <xsl:call-template name="kv">
            <xsl:with-param name="k" select="'Standard'"/>
            <xsl:with-param name="v" select="concat($mdv/@def:StandardName, ' ', $mdv/@def:StandardVersion)"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Define-XML version'"/>
          <xsl:with-param name="v" select="$mdv/@def:DefineVersion"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Context'"/>
          <xsl:with-param name="v" select="$odm/@def:Context"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'File OID'"/>
          <xsl:with-param name="v" select="$odm/@FileOID"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Created'"/>
          <xsl:with-param name="v" select="$odm/@CreationDateTime"/>
        </xsl:call-template>
        <xsl:call-template name="kv">
          <xsl:with-param name="k" select="'Originator'"/>
          <xsl:with-param name="v" select="$odm/@Originator"/>
        </xsl:call-template>
        <xsl:if test="$odm/@SourceSystem">
          <xsl:call-template name="kv">
            <xsl:with-param name="k" select="'Source system'"/>
            <xsl:with-param name="v" select="concat($odm/@SourceSystem, ' ', $odm/@SourceSystemVersion)"/>
          </xsl:call-template>
        </xsl:if>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template name="kv">
    <xsl:param name="k"/>
    <xsl:param name="v"/>
    <xsl:if test="normalize-space($v)">
      <tr><th scope="row"><xsl:value-of select="$k"/></th><td><xsl:value-of select="normalize-space($v)"/></td></tr>
    </xsl:if>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Standards (Define-XML 2.1)                                                            -->
  <!-- ===================================================================================== -->
  <xsl:template match="def:Standards">
    <section id="sec-standards">
      <xsl:call-template name="h2"><xsl:with-param name="text" select="'Standards'"/></xsl:call-template>
      <table class="grid">
        <thead><tr><th>Standard</th><th>Type</th><th>Publishing set</th><th>Version</th><th>Status</th><th>Comment</th></tr></thead>
        <tbody>
          <xsl:for-each select="def:Standard">
            <tr>
              <xsl:call-template name="id-attr">
                <xsl:with-param name="p" select="'std-'"/>
                <xsl:with-param name="oid" select="@OID"/>
                <xsl:with-param name="first" select="count(key('std', @OID)[1] | .) = 1"/>
              </xsl:call-template>
              <td class="strong nowrap"><xsl:value-of select="@Name"/></td>
              <td><xsl:value-of select="@Type"/></td>
              <td class="nowrap"><xsl:value-of select="@PublishingSet"/></td>
              <td class="nowrap"><xsl:value-of select="@Version"/></td>
              <td><xsl:value-of select="@Status"/></td>
              <td><xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="@def:CommentOID"/></xsl:call-template></td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <!-- Short "standard" text with a link to the Standards table. -->
  <xsl:template name="standard-ref">
    <xsl:param name="oid"/>
    <xsl:variable name="s" select="key('std', $oid)[1]"/>
    <xsl:choose>
      <xsl:when test="$s">
        <xsl:call-template name="ilink">
          <xsl:with-param name="p" select="'std-'"/>
          <xsl:with-param name="oid" select="$oid"/>
          <xsl:with-param name="label">
            <xsl:value-of select="$s/@Name"/>
            <xsl:if test="$s/@PublishingSet"><xsl:text> </xsl:text><xsl:value-of select="$s/@PublishingSet"/></xsl:if>
            <xsl:text> </xsl:text><xsl:value-of select="$s/@Version"/>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$oid"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Documents (def:leaf at MetaDataVersion level)                                          -->
  <!-- ===================================================================================== -->
  <xsl:template name="documents">
    <xsl:param name="mdv"/>
    <xsl:if test="$mdv/def:leaf">
      <section id="sec-documents">
        <xsl:call-template name="h2"><xsl:with-param name="text" select="'Documents'"/></xsl:call-template>
        <table class="grid">
          <thead><tr><th>Document</th><th>Role</th><th>File</th></tr></thead>
          <tbody>
            <xsl:for-each select="$mdv/def:leaf">
              <tr>
                <xsl:call-template name="id-attr">
                  <xsl:with-param name="p" select="'doc-'"/>
                  <xsl:with-param name="oid" select="@ID"/>
                  <xsl:with-param name="first" select="count(key('leaf', @ID)[1] | .) = 1"/>
                </xsl:call-template>
                <td class="strong"><xsl:call-template name="leaf-link"/></td>
                <td>
                  <xsl:if test="$mdv/def:AnnotatedCRF/def:DocumentRef[@leafID = current()/@ID]">Annotated CRF</xsl:if>
                  <xsl:if test="$mdv/def:SupplementalDoc/def:DocumentRef[@leafID = current()/@ID]">Supplemental document</xsl:if>
                </td>
                <td class="mono"><xsl:value-of select="@xlink:href"/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </section>
    </xsl:if>
  </xsl:template>

  <!-- A def:leaf as an external link (title as text); plain text when there is no href. -->
  <xsl:template name="leaf-link">
    <xsl:param name="fragment" select="''"/>
    <xsl:param name="label">
      <xsl:choose>
        <xsl:when test="normalize-space(def:title)"><xsl:value-of select="normalize-space(def:title)"/></xsl:when>
        <xsl:when test="normalize-space(@xlink:href)"><xsl:value-of select="normalize-space(@xlink:href)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="@ID"/></xsl:otherwise>
      </xsl:choose>
    </xsl:param>
    <xsl:choose>
      <xsl:when test="normalize-space(@xlink:href)">
        <a class="ext" href="{normalize-space(@xlink:href)}{$fragment}"><xsl:copy-of select="$label"/></a>
      </xsl:when>
      <xsl:otherwise><xsl:copy-of select="$label"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- def:DocumentRef: document title linked to the file, then page links. -->
  <xsl:template match="def:DocumentRef">
    <xsl:variable name="leaf" select="key('leaf', @leafID)[1]"/>
    <span class="docref">
      <xsl:choose>
        <xsl:when test="$leaf">
          <xsl:for-each select="$leaf"><xsl:call-template name="leaf-link"/></xsl:for-each>
          <xsl:for-each select="def:PDFPageRef">
            <xsl:text> </xsl:text>
            <xsl:call-template name="pages">
              <xsl:with-param name="leaf" select="$leaf"/>
            </xsl:call-template>
          </xsl:for-each>
        </xsl:when>
        <xsl:otherwise>
          <span class="missing" title="no def:leaf with this ID"><xsl:value-of select="@leafID"/></span>
        </xsl:otherwise>
      </xsl:choose>
    </span>
  </xsl:template>

  <!-- def:PDFPageRef (context) rendered as page links into the leaf's file. -->
  <xsl:template name="pages">
    <xsl:param name="leaf"/>
    <xsl:variable name="refs" select="normalize-space(@PageRefs)"/>
    <span class="pages">
      <xsl:if test="normalize-space(@Title)">
        <xsl:value-of select="normalize-space(@Title)"/><xsl:text>: </xsl:text>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="@Type = 'NamedDestination'">
          <xsl:call-template name="page-tokens">
            <xsl:with-param name="list" select="$refs"/>
            <xsl:with-param name="leaf" select="$leaf"/>
            <xsl:with-param name="named" select="true()"/>
          </xsl:call-template>
        </xsl:when>
        <xsl:when test="$refs != ''">
          <xsl:choose>
            <xsl:when test="contains($refs, ' ')">pp. </xsl:when>
            <xsl:otherwise>p. </xsl:otherwise>
          </xsl:choose>
          <xsl:call-template name="page-tokens">
            <xsl:with-param name="list" select="$refs"/>
            <xsl:with-param name="leaf" select="$leaf"/>
          </xsl:call-template>
        </xsl:when>
        <xsl:when test="normalize-space(@FirstPage)">
          <xsl:text>pp. </xsl:text>
          <xsl:call-template name="page-link">
            <xsl:with-param name="leaf" select="$leaf"/>
            <xsl:with-param name="page" select="normalize-space(@FirstPage)"/>
          </xsl:call-template>
          <xsl:if test="normalize-space(@LastPage)">
            <xsl:text>–</xsl:text>
            <xsl:call-template name="page-link">
              <xsl:with-param name="leaf" select="$leaf"/>
              <xsl:with-param name="page" select="normalize-space(@LastPage)"/>
            </xsl:call-template>
          </xsl:if>
        </xsl:when>
      </xsl:choose>
    </span>
  </xsl:template>

  <xsl:template name="page-tokens">
    <xsl:param name="list"/>
    <xsl:param name="leaf"/>
    <xsl:param name="named" select="false()"/>
    <xsl:variable name="head">
      <xsl:choose>
        <xsl:when test="contains($list, ' ')"><xsl:value-of select="substring-before($list, ' ')"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$list"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:call-template name="page-link">
      <xsl:with-param name="leaf" select="$leaf"/>
      <xsl:with-param name="page" select="$head"/>
      <xsl:with-param name="named" select="$named"/>
    </xsl:call-template>
    <xsl:if test="contains($list, ' ')">
      <xsl:text>, </xsl:text>
      <xsl:call-template name="page-tokens">
        <xsl:with-param name="list" select="substring-after($list, ' ')"/>
        <xsl:with-param name="leaf" select="$leaf"/>
        <xsl:with-param name="named" select="$named"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template name="page-link">
    <xsl:param name="leaf"/>
    <xsl:param name="page"/>
    <xsl:param name="named" select="false()"/>
    <xsl:variable name="href" select="normalize-space($leaf/@xlink:href)"/>
    <xsl:choose>
      <xsl:when test="$href = '' or contains($href, '#')"><xsl:value-of select="$page"/></xsl:when>
      <xsl:when test="$named"><a class="ext" href="{$href}#nameddest={$page}"><xsl:value-of select="$page"/></a></xsl:when>
      <xsl:otherwise><a class="ext" href="{$href}#page={$page}"><xsl:value-of select="$page"/></a></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Analysis Results Metadata (ARM 1.0)                                                    -->
  <!-- ===================================================================================== -->
  <xsl:template match="arm:AnalysisResultDisplays">
    <section id="sec-arm">
      <xsl:call-template name="h2"><xsl:with-param name="text" select="'Analysis Results'"/></xsl:call-template>
      <table class="grid">
        <thead><tr><th>Display</th><th>Description</th><th>Analysis results</th></tr></thead>
        <tbody>
          <xsl:for-each select="arm:ResultDisplay">
            <tr>
              <td class="strong nowrap">
                <xsl:call-template name="ilink">
                  <xsl:with-param name="p" select="'rd-'"/>
                  <xsl:with-param name="oid" select="@OID"/>
                  <xsl:with-param name="label" select="string(@Name)"/>
                </xsl:call-template>
              </td>
              <td><xsl:call-template name="text-of"/></td>
              <td>
                <ul class="plain">
                  <xsl:for-each select="arm:AnalysisResult">
                    <li>
                      <xsl:call-template name="ilink">
                        <xsl:with-param name="p" select="'ar-'"/>
                        <xsl:with-param name="oid" select="@OID"/>
                        <xsl:with-param name="label">
                          <xsl:call-template name="text-of"/>
                          <xsl:if test="not(odm:Description)"><xsl:value-of select="@OID"/></xsl:if>
                        </xsl:with-param>
                      </xsl:call-template>
                    </li>
                  </xsl:for-each>
                </ul>
              </td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
      <xsl:apply-templates select="arm:ResultDisplay"/>
    </section>
  </xsl:template>

  <xsl:template match="arm:ResultDisplay">
    <section class="display">
      <xsl:call-template name="id-attr">
        <xsl:with-param name="p" select="'rd-'"/>
        <xsl:with-param name="oid" select="@OID"/>
        <xsl:with-param name="first" select="not(preceding-sibling::arm:ResultDisplay[@OID = current()/@OID])"/>
      </xsl:call-template>
      <h3><xsl:value-of select="@Name"/>
        <span class="h-desc"><xsl:call-template name="text-of"/></span>
        <a class="top" href="#sec-arm">Analysis results ↑</a>
      </h3>
      <xsl:if test="def:DocumentRef">
        <p class="meta">Display: <xsl:apply-templates select="def:DocumentRef"/></p>
      </xsl:if>
      <xsl:for-each select="arm:AnalysisResult">
        <table class="kv arm">
          <xsl:call-template name="id-attr">
            <xsl:with-param name="p" select="'ar-'"/>
            <xsl:with-param name="oid" select="@OID"/>
            <xsl:with-param name="first" select="not(preceding::arm:AnalysisResult[@OID = current()/@OID])"/>
          </xsl:call-template>
          <tbody>
            <tr class="arm-head"><th scope="row">Analysis result</th>
              <td class="strong"><xsl:call-template name="text-of"/>
                <xsl:if test="not(odm:Description)"><xsl:value-of select="@OID"/></xsl:if></td></tr>
            <xsl:if test="@ParameterOID">
              <tr><th scope="row">Analysis parameter</th>
                <td>
                  <xsl:call-template name="item-link">
                    <xsl:with-param name="item-oid" select="@ParameterOID"/>
                    <xsl:with-param name="ig-oids" select="arm:AnalysisDatasets/arm:AnalysisDataset/@ItemGroupOID"/>
                  </xsl:call-template>
                </td></tr>
            </xsl:if>
            <xsl:if test="arm:AnalysisDatasets">
              <tr><th scope="row">Analysis variables</th>
                <td>
                  <xsl:for-each select="arm:AnalysisDatasets/arm:AnalysisDataset">
                    <div class="arm-ds">
                      <xsl:call-template name="dataset-link"><xsl:with-param name="oid" select="@ItemGroupOID"/></xsl:call-template>
                      <xsl:if test="arm:AnalysisVariable">
                        <xsl:text>: </xsl:text>
                        <xsl:for-each select="arm:AnalysisVariable">
                          <xsl:if test="position() &gt; 1">, </xsl:if>
                          <xsl:call-template name="item-link">
                            <xsl:with-param name="item-oid" select="@ItemOID"/>
                            <xsl:with-param name="ig-oids" select="../@ItemGroupOID"/>
                          </xsl:call-template>
                        </xsl:for-each>
                      </xsl:if>
                      <xsl:if test="def:WhereClauseRef">
                        <div class="where">where <xsl:call-template name="where"><xsl:with-param name="refs" select="def:WhereClauseRef"/></xsl:call-template></div>
                      </xsl:if>
                    </div>
                  </xsl:for-each>
                  <xsl:if test="arm:AnalysisDatasets/@def:CommentOID">
                    <div class="note"><xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="arm:AnalysisDatasets/@def:CommentOID"/></xsl:call-template></div>
                  </xsl:if>
                </td></tr>
            </xsl:if>
            <xsl:if test="@AnalysisReason">
              <tr><th scope="row">Reason</th><td><xsl:value-of select="@AnalysisReason"/></td></tr>
            </xsl:if>
            <xsl:if test="@AnalysisPurpose">
              <tr><th scope="row">Purpose</th><td><xsl:value-of select="@AnalysisPurpose"/></td></tr>
            </xsl:if>
            <xsl:for-each select="arm:Documentation">
              <tr><th scope="row">Documentation</th>
                <td>
                  <div class="txt"><xsl:call-template name="text-of"><xsl:with-param name="block" select="true()"/></xsl:call-template></div>
                  <xsl:call-template name="doc-list"/>
                </td></tr>
            </xsl:for-each>
            <xsl:for-each select="arm:ProgrammingCode">
              <tr><th scope="row">Programming code</th>
                <td>
                  <xsl:if test="normalize-space(@Context)"><div class="meta">Context: <xsl:value-of select="normalize-space(@Context)"/></div></xsl:if>
                  <xsl:for-each select="arm:Code">
                    <pre class="code"><xsl:call-template name="trim"><xsl:with-param name="s" select="."/></xsl:call-template></pre>
                  </xsl:for-each>
                  <xsl:call-template name="doc-list"/>
                </td></tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:for-each>
    </section>
  </xsl:template>

  <!-- def:DocumentRef children of the context node as a list (nothing when there are none). -->
  <xsl:template name="doc-list">
    <xsl:if test="def:DocumentRef">
      <ul class="docs">
        <xsl:for-each select="def:DocumentRef">
          <li><xsl:apply-templates select="."/></li>
        </xsl:for-each>
      </ul>
    </xsl:if>
  </xsl:template>

  <!-- Link to a dataset section (name as text). -->
  <xsl:template name="dataset-link">
    <xsl:param name="oid"/>
    <xsl:variable name="ig" select="key('ig', $oid)[1]"/>
    <xsl:choose>
      <xsl:when test="$ig">
        <xsl:call-template name="ilink">
          <xsl:with-param name="p" select="'ds-'"/>
          <xsl:with-param name="oid" select="$oid"/>
          <xsl:with-param name="label" select="string($ig/@Name)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><span class="missing"><xsl:value-of select="$oid"/></span></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Link to a variable row: in the first of ig-oids that holds the item, else in the first
       dataset that holds it, else plain name. -->
  <xsl:template name="item-link">
    <xsl:param name="item-oid"/>
    <xsl:param name="ig-oids" select="/.."/>
    <xsl:variable name="it" select="key('it', $item-oid)[1]"/>
    <xsl:variable name="name">
      <xsl:choose>
        <xsl:when test="$it"><xsl:value-of select="$it/@Name"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$item-oid"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="refs" select="key('igref', $item-oid)"/>
    <xsl:variable name="pref" select="$refs[../@OID = $ig-oids]"/>
    <xsl:variable name="target" select="($pref | $refs[not($pref)])[1]"/>
    <xsl:choose>
      <xsl:when test="$target">
        <xsl:call-template name="ilink">
          <xsl:with-param name="p" select="'var-'"/>
          <xsl:with-param name="oid" select="$target/../@OID"/>
          <xsl:with-param name="oid2" select="$item-oid"/>
          <xsl:with-param name="label" select="$name"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><span class="vn"><xsl:value-of select="$name"/></span></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Datasets                                                                              -->
  <!-- ===================================================================================== -->
  <xsl:template name="datasets">
    <xsl:param name="mdv"/>
    <section id="sec-datasets">
      <xsl:call-template name="h2"><xsl:with-param name="text" select="'Datasets'"/></xsl:call-template>
      <xsl:choose>
        <xsl:when test="$mdv/odm:ItemGroupDef">
          <table class="grid">
            <thead><tr><th>Dataset</th><th>Description</th><th>Class</th><th>Structure</th><th>Purpose</th><th>Keys</th><th>Documentation</th><th>Location</th></tr></thead>
            <tbody>
              <xsl:for-each select="$mdv/odm:ItemGroupDef">
                <tr>
                  <td class="strong nowrap">
                    <xsl:call-template name="ilink">
                      <xsl:with-param name="p" select="'ds-'"/>
                      <xsl:with-param name="oid" select="@OID"/>
                      <xsl:with-param name="label" select="string(@Name)"/>
                    </xsl:call-template>
                    <xsl:call-template name="dataset-flags"/>
                  </td>
                  <td><xsl:call-template name="text-of"/></td>
                  <td><xsl:call-template name="dataset-class"/></td>
                  <td><xsl:value-of select="@def:Structure"/></td>
                  <td><xsl:value-of select="@Purpose"/></td>
                  <td class="keys"><xsl:call-template name="keys"/></td>
                  <td><xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="@def:CommentOID"/></xsl:call-template></td>
                  <td class="nowrap"><xsl:call-template name="location"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
          <xsl:apply-templates select="$mdv/odm:ItemGroupDef"/>
        </xsl:when>
        <xsl:otherwise><p class="meta">The document defines no datasets.</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="dataset-flags">
    <xsl:if test="@def:IsNonStandard = 'Yes'"><span class="badge warn" title="Non-standard dataset">Non-standard</span></xsl:if>
    <xsl:if test="@def:HasNoData = 'Yes'"><span class="badge" title="The dataset has no data">No data</span></xsl:if>
  </xsl:template>

  <xsl:template name="dataset-class">
    <xsl:choose>
      <xsl:when test="def:Class">
        <xsl:for-each select="def:Class">
          <xsl:value-of select="@Name"/>
          <xsl:for-each select=".//def:SubClass">
            <span class="sub"> › <xsl:value-of select="@Name"/></span>
          </xsl:for-each>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="@def:Class"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="keys">
    <xsl:for-each select="odm:ItemRef[@KeySequence]">
      <xsl:sort select="@KeySequence" data-type="number"/>
      <xsl:if test="position() &gt; 1">, </xsl:if>
      <xsl:variable name="it" select="key('it', @ItemOID)[1]"/>
      <xsl:choose>
        <xsl:when test="$it"><xsl:value-of select="$it/@Name"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="@ItemOID"/></xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="location">
    <xsl:variable name="leaf" select="(def:leaf[@ID = current()/@def:ArchiveLocationID] | key('leaf', @def:ArchiveLocationID))[1]"/>
    <xsl:choose>
      <xsl:when test="$leaf"><xsl:for-each select="$leaf"><xsl:call-template name="leaf-link"/></xsl:for-each></xsl:when>
      <xsl:when test="def:leaf"><xsl:for-each select="def:leaf[1]"><xsl:call-template name="leaf-link"/></xsl:for-each></xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- One dataset: summary block and the variable table. -->
  <xsl:template match="odm:ItemGroupDef">
    <xsl:variable name="ig" select="."/>
    <xsl:variable name="show-role" select="odm:ItemRef[@Role]"/>
    <section class="dataset">
      <xsl:call-template name="id-attr">
        <xsl:with-param name="p" select="'ds-'"/>
        <xsl:with-param name="oid" select="@OID"/>
        <xsl:with-param name="first" select="count(key('ig', @OID)[1] | .) = 1"/>
      </xsl:call-template>
      <h3>
        <xsl:value-of select="@Name"/>
        <span class="h-desc"><xsl:call-template name="text-of"/></span>
        <xsl:call-template name="dataset-flags"/>
        <a class="top" href="#sec-datasets">Datasets ↑</a>
      </h3>
      <dl class="facts">
        <xsl:if test="def:Class or @def:Class">
          <div><dt>Class</dt><dd><xsl:call-template name="dataset-class"/></dd></div>
        </xsl:if>
        <xsl:if test="@def:Structure"><div><dt>Structure</dt><dd><xsl:value-of select="@def:Structure"/></dd></div></xsl:if>
        <xsl:if test="@Purpose"><div><dt>Purpose</dt><dd><xsl:value-of select="@Purpose"/></dd></div></xsl:if>
        <xsl:if test="odm:ItemRef[@KeySequence]"><div><dt>Keys</dt><dd class="keys"><xsl:call-template name="keys"/></dd></div></xsl:if>
        <xsl:if test="@def:StandardOID">
          <div><dt>Standard</dt><dd><xsl:call-template name="standard-ref"><xsl:with-param name="oid" select="@def:StandardOID"/></xsl:call-template></dd></div>
        </xsl:if>
        <xsl:if test="@Repeating"><div><dt>Repeating</dt><dd><xsl:value-of select="@Repeating"/></dd></div></xsl:if>
        <xsl:if test="@IsReferenceData"><div><dt>Reference data</dt><dd><xsl:value-of select="@IsReferenceData"/></dd></div></xsl:if>
        <xsl:if test="starts-with(@Name, 'SUPP') or starts-with(@Name, 'SQAP')">
          <xsl:variable name="parent" select="../odm:ItemGroupDef[@Name = substring(current()/@Name, 5)][1]"/>
          <xsl:if test="$parent">
            <div><dt>Parent domain</dt><dd><xsl:call-template name="dataset-link"><xsl:with-param name="oid" select="$parent/@OID"/></xsl:call-template></dd></div>
          </xsl:if>
        </xsl:if>
        <xsl:if test="@def:ArchiveLocationID or def:leaf">
          <div><dt>Location</dt><dd><xsl:call-template name="location"/></dd></div>
        </xsl:if>
      </dl>
      <xsl:if test="@def:CommentOID">
        <div class="note"><xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="@def:CommentOID"/></xsl:call-template></div>
      </xsl:if>
      <table class="grid vars">
        <thead>
          <tr>
            <th class="c-name">Variable</th>
            <th class="c-label">Label</th>
            <th class="c-num" title="Key sequence">Key</th>
            <th class="c-type">Type</th>
            <xsl:if test="$show-role"><th class="c-role">Role</th></xsl:if>
            <th class="c-num" title="Length">Len.</th>
            <th class="c-num" title="Significant digits">Sig.</th>
            <th class="c-fmt">Format</th>
            <th class="c-ct">Controlled Terms or Format</th>
            <th class="c-origin">Origin</th>
            <th class="c-deriv">Derivation / Comment</th>
          </tr>
        </thead>
        <tbody>
          <xsl:if test="not(odm:ItemRef)">
            <tr><td class="meta" colspan="{10 + count($show-role[1])}">No variables are defined for this dataset.</td></tr>
          </xsl:if>
          <xsl:for-each select="odm:ItemRef">
            <xsl:sort select="@OrderNumber" data-type="number"/>
            <xsl:variable name="it" select="key('it', @ItemOID)[1]"/>
            <tr>
              <xsl:attribute name="class">
                <xsl:text>var</xsl:text>
                <xsl:if test="@def:HasNoData = 'Yes'"> nodata</xsl:if>
              </xsl:attribute>
              <xsl:call-template name="id-attr">
                <xsl:with-param name="p" select="'var-'"/>
                <xsl:with-param name="oid" select="$ig/@OID"/>
                <xsl:with-param name="oid2" select="@ItemOID"/>
                <xsl:with-param name="first" select="not(preceding-sibling::odm:ItemRef[@ItemOID = current()/@ItemOID]) and count(key('ig', $ig/@OID)[1] | $ig) = 1"/>
              </xsl:call-template>
              <td class="c-name">
                <span class="vn">
                  <xsl:choose>
                    <xsl:when test="$it"><xsl:value-of select="$it/@Name"/></xsl:when>
                    <xsl:otherwise><xsl:value-of select="@ItemOID"/></xsl:otherwise>
                  </xsl:choose>
                </span>
                <xsl:if test="$it/def:ValueListRef">
                  <xsl:call-template name="vlm-badge"><xsl:with-param name="oid" select="$it/def:ValueListRef/@ValueListOID"/></xsl:call-template>
                </xsl:if>
                <xsl:if test="@Mandatory = 'Yes'"><span class="req" title="Mandatory (a value is always present)">*</span></xsl:if>
                <xsl:if test="@def:HasNoData = 'Yes'"><span class="badge" title="No data for this variable">No data</span></xsl:if>
                <xsl:if test="@def:IsNonStandard = 'Yes'"><span class="badge warn" title="Non-standard variable">Non-std</span></xsl:if>
                <xsl:if test="not($it)"><span class="badge warn" title="no ItemDef with this OID">undefined</span></xsl:if>
              </td>
              <td class="c-label"><xsl:call-template name="text-of"><xsl:with-param name="d" select="$it/odm:Description"/></xsl:call-template></td>
              <td class="c-num"><xsl:value-of select="@KeySequence"/></td>
              <td class="c-type"><xsl:value-of select="$it/@DataType"/></td>
              <xsl:if test="$show-role">
                <td class="c-role"><xsl:value-of select="@Role"/></td>
              </xsl:if>
              <xsl:call-template name="item-cells">
                <xsl:with-param name="it" select="$it"/>
                <xsl:with-param name="ref" select="."/>
              </xsl:call-template>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <xsl:template name="vlm-badge">
    <xsl:param name="oid"/>
    <xsl:if test="key('vl', $oid)">
      <xsl:call-template name="ilink">
        <xsl:with-param name="p" select="'vl-'"/>
        <xsl:with-param name="oid" select="$oid"/>
        <xsl:with-param name="label" select="'VLM'"/>
        <xsl:with-param name="class" select="'badge vlm'"/>
        <xsl:with-param name="title" select="'Value level metadata'"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Cells shared by variable and value-level rows: length, significant digits, display
       format, controlled terms, origin, derivation/comment. -->
  <xsl:template name="item-cells">
    <xsl:param name="it"/>
    <xsl:param name="ref"/>
    <xsl:param name="where-refs" select="/.."/>
    <td class="c-num"><xsl:value-of select="$it/@Length"/></td>
    <td class="c-num"><xsl:value-of select="$it/@SignificantDigits"/></td>
    <td class="c-fmt"><xsl:value-of select="$it/@def:DisplayFormat"/></td>
    <td class="c-ct"><xsl:call-template name="ct"><xsl:with-param name="it" select="$it"/></xsl:call-template></td>
    <td class="c-origin"><xsl:apply-templates select="$it/def:Origin"/></td>
    <td class="c-deriv">
      <xsl:if test="$ref/@MethodOID">
        <xsl:call-template name="method-ref"><xsl:with-param name="oid" select="$ref/@MethodOID"/></xsl:call-template>
      </xsl:if>
      <xsl:if test="$it/@def:CommentOID">
        <xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="$it/@def:CommentOID"/></xsl:call-template>
      </xsl:if>
      <xsl:for-each select="$where-refs">
        <xsl:variable name="wc" select="key('wc', @WhereClauseOID)[1]"/>
        <xsl:if test="$wc/@def:CommentOID">
          <xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="$wc/@def:CommentOID"/></xsl:call-template>
        </xsl:if>
      </xsl:for-each>
    </td>
  </xsl:template>

  <!-- Controlled terms: codelist link (short lists inline), dictionary, or ISO 8601. -->
  <xsl:template name="ct">
    <xsl:param name="it"/>
    <xsl:for-each select="$it/odm:CodeListRef">
      <xsl:variable name="cl" select="key('cl', @CodeListOID)[1]"/>
      <xsl:choose>
        <xsl:when test="$cl/odm:ExternalCodeList">
          <xsl:call-template name="ilink">
            <xsl:with-param name="p" select="'cl-'"/>
            <xsl:with-param name="oid" select="@CodeListOID"/>
            <xsl:with-param name="label">
              <xsl:value-of select="$cl/odm:ExternalCodeList/@Dictionary"/>
              <xsl:if test="normalize-space($cl/odm:ExternalCodeList/@Version)">
                <xsl:text> </xsl:text><xsl:value-of select="normalize-space($cl/odm:ExternalCodeList/@Version)"/>
              </xsl:if>
            </xsl:with-param>
          </xsl:call-template>
        </xsl:when>
        <xsl:when test="$cl">
          <xsl:variable name="items" select="$cl/odm:CodeListItem | $cl/odm:EnumeratedItem"/>
          <xsl:call-template name="ilink">
            <xsl:with-param name="p" select="'cl-'"/>
            <xsl:with-param name="oid" select="@CodeListOID"/>
            <xsl:with-param name="label" select="string($cl/@Name)"/>
          </xsl:call-template>
          <xsl:choose>
            <xsl:when test="count($items) &lt;= $inline-terms and $items">
              <ul class="terms">
                <xsl:for-each select="$items">
                  <xsl:sort select="@OrderNumber" data-type="number"/>
                  <li>
                    <span class="cv">"<xsl:value-of select="@CodedValue"/>"</span>
                    <xsl:if test="odm:Decode">
                      <xsl:text> = </xsl:text>
                      <xsl:call-template name="text-of"><xsl:with-param name="d" select="odm:Decode"/></xsl:call-template>
                    </xsl:if>
                  </li>
                </xsl:for-each>
              </ul>
            </xsl:when>
            <xsl:when test="$items">
              <span class="count"> (<xsl:value-of select="count($items)"/> terms)</span>
            </xsl:when>
          </xsl:choose>
        </xsl:when>
        <xsl:otherwise>
          <span class="missing" title="no CodeList with this OID"><xsl:value-of select="@CodeListOID"/></span>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
    <xsl:if test="not($it/odm:CodeListRef)">
      <xsl:variable name="t" select="$it/@DataType"/>
      <xsl:if test="$t = 'date' or $t = 'time' or $t = 'datetime' or $t = 'partialDate' or $t = 'partialTime'
                    or $t = 'partialDatetime' or $t = 'incompleteDatetime' or $t = 'durationDatetime'
                    or $t = 'intervalDatetime'">
        <span class="iso">ISO 8601</span>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <!-- def:Origin: type (source), description, document references. -->
  <xsl:template match="def:Origin">
    <div class="origin">
      <span class="otype"><xsl:value-of select="@Type"/></span>
      <xsl:if test="@Source"><span class="osrc"> (<xsl:value-of select="@Source"/>)</span></xsl:if>
      <xsl:variable name="d"><xsl:call-template name="text-of"/></xsl:variable>
      <xsl:if test="string($d)"><div class="small"><xsl:value-of select="$d"/></div></xsl:if>
      <xsl:for-each select="def:DocumentRef">
        <div class="small"><xsl:apply-templates select="."/></div>
      </xsl:for-each>
    </div>
  </xsl:template>

  <xsl:template name="method-ref">
    <xsl:param name="oid"/>
    <xsl:variable name="m" select="key('mt', $oid)[1]"/>
    <div class="mref">
      <xsl:choose>
        <xsl:when test="$m">
          <xsl:call-template name="ilink">
            <xsl:with-param name="p" select="'mt-'"/>
            <xsl:with-param name="oid" select="$oid"/>
            <xsl:with-param name="label" select="'Method'"/>
            <xsl:with-param name="class" select="'badge mt'"/>
            <xsl:with-param name="title" select="$m/@Name"/>
          </xsl:call-template>
          <xsl:text> </xsl:text>
          <span class="txt"><xsl:call-template name="text-of"><xsl:with-param name="d" select="$m/odm:Description"/><xsl:with-param name="block" select="true()"/></xsl:call-template></span>
          <xsl:for-each select="$m/def:DocumentRef">
            <div class="small"><xsl:apply-templates select="."/></div>
          </xsl:for-each>
        </xsl:when>
        <xsl:otherwise>
          <span class="badge mt">Method</span><xsl:text> </xsl:text>
          <span class="missing" title="no MethodDef with this OID"><xsl:value-of select="$oid"/></span>
        </xsl:otherwise>
      </xsl:choose>
    </div>
  </xsl:template>

  <!-- Comment text with a link to the Comments table; nothing when oid is empty. -->
  <xsl:template name="comment-ref">
    <xsl:param name="oid"/>
    <xsl:if test="string($oid)">
      <xsl:variable name="c" select="key('com', $oid)[1]"/>
      <div class="cref">
        <xsl:choose>
          <xsl:when test="$c">
            <xsl:call-template name="ilink">
              <xsl:with-param name="p" select="'com-'"/>
              <xsl:with-param name="oid" select="$oid"/>
              <xsl:with-param name="label" select="'Comment'"/>
              <xsl:with-param name="class" select="'badge com'"/>
            </xsl:call-template>
            <xsl:text> </xsl:text>
            <span class="txt"><xsl:call-template name="text-of"><xsl:with-param name="d" select="$c/odm:Description"/><xsl:with-param name="block" select="true()"/></xsl:call-template></span>
            <xsl:for-each select="$c/def:DocumentRef">
              <div class="small"><xsl:apply-templates select="."/></div>
            </xsl:for-each>
          </xsl:when>
          <xsl:otherwise>
            <span class="badge com">Comment</span><xsl:text> </xsl:text>
            <span class="missing" title="no def:CommentDef with this OID"><xsl:value-of select="$oid"/></span>
          </xsl:otherwise>
        </xsl:choose>
      </div>
    </xsl:if>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Value level metadata                                                                  -->
  <!-- ===================================================================================== -->
  <xsl:template match="def:ValueListDef">
    <xsl:variable name="parents" select="key('it-by-vl', @OID)"/>
    <section class="vlm">
      <xsl:call-template name="id-attr">
        <xsl:with-param name="p" select="'vl-'"/>
        <xsl:with-param name="oid" select="@OID"/>
        <xsl:with-param name="first" select="count(key('vl', @OID)[1] | .) = 1"/>
      </xsl:call-template>
      <h3>
        <span>
        <xsl:choose>
          <xsl:when test="$parents">
            <xsl:for-each select="$parents">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <xsl:variable name="it-oid" select="@OID"/>
              <xsl:variable name="refs" select="key('igref', @OID)"/>
              <xsl:choose>
                <xsl:when test="$refs">
                  <xsl:for-each select="$refs">
                    <xsl:if test="position() &gt; 1">, </xsl:if>
                    <xsl:call-template name="ilink">
                      <xsl:with-param name="p" select="'var-'"/>
                      <xsl:with-param name="oid" select="../@OID"/>
                      <xsl:with-param name="oid2" select="$it-oid"/>
                      <xsl:with-param name="label" select="concat(../@Name, '.', key('it', $it-oid)[1]/@Name)"/>
                    </xsl:call-template>
                  </xsl:for-each>
                </xsl:when>
                <xsl:otherwise><xsl:value-of select="@Name"/></xsl:otherwise>
              </xsl:choose>
            </xsl:for-each>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="@OID"/></xsl:otherwise>
        </xsl:choose>
        </span>
        <span class="h-desc">value level metadata</span>
        <a class="top" href="#sec-vlm">Value level ↑</a>
      </h3>
      <table class="grid vars">
        <thead>
          <tr>
            <th class="c-name">Variable</th>
            <th class="c-where">Where</th>
            <th class="c-label">Label / Description</th>
            <th class="c-type">Type</th>
            <th class="c-num" title="Length">Len.</th>
            <th class="c-num" title="Significant digits">Sig.</th>
            <th class="c-fmt">Format</th>
            <th class="c-ct">Controlled Terms or Format</th>
            <th class="c-origin">Origin</th>
            <th class="c-deriv">Derivation / Comment</th>
          </tr>
        </thead>
        <tbody>
          <xsl:for-each select="odm:ItemRef">
            <xsl:sort select="@OrderNumber" data-type="number"/>
            <xsl:variable name="it" select="key('it', @ItemOID)[1]"/>
            <tr class="vlm-row">
              <td class="c-name">
                <span class="vn">
                  <xsl:choose>
                    <xsl:when test="$it"><xsl:value-of select="$it/@Name"/></xsl:when>
                    <xsl:otherwise><xsl:value-of select="@ItemOID"/></xsl:otherwise>
                  </xsl:choose>
                </span>
                <xsl:if test="@Mandatory = 'Yes'"><span class="req" title="Mandatory (a value is always present)">*</span></xsl:if>
                <xsl:if test="not($it)"><span class="badge warn" title="no ItemDef with this OID">undefined</span></xsl:if>
              </td>
              <td class="c-where"><xsl:call-template name="where"><xsl:with-param name="refs" select="def:WhereClauseRef"/></xsl:call-template></td>
              <td class="c-label"><xsl:call-template name="text-of"><xsl:with-param name="d" select="$it/odm:Description"/></xsl:call-template></td>
              <td class="c-type"><xsl:value-of select="$it/@DataType"/></td>
              <xsl:call-template name="item-cells">
                <xsl:with-param name="it" select="$it"/>
                <xsl:with-param name="ref" select="."/>
                <xsl:with-param name="where-refs" select="def:WhereClauseRef"/>
              </xsl:call-template>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <!-- Where clauses: RangeChecks joined with AND, several clauses joined with OR. -->
  <xsl:template name="where">
    <xsl:param name="refs"/>
    <xsl:for-each select="$refs">
      <xsl:if test="position() &gt; 1"><span class="op"> OR </span></xsl:if>
      <xsl:variable name="wc" select="key('wc', @WhereClauseOID)[1]"/>
      <span class="wc">
        <xsl:choose>
          <xsl:when test="$wc/odm:RangeCheck">
            <xsl:for-each select="$wc/odm:RangeCheck">
              <xsl:if test="position() &gt; 1"><span class="op"> AND </span></xsl:if>
              <xsl:apply-templates select="." mode="where"/>
            </xsl:for-each>
          </xsl:when>
          <xsl:otherwise><span class="missing" title="no def:WhereClauseDef with this OID"><xsl:value-of select="@WhereClauseOID"/></span></xsl:otherwise>
        </xsl:choose>
      </span>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="odm:RangeCheck" mode="where">
    <xsl:variable name="it" select="key('it', @def:ItemOID)[1]"/>
    <xsl:variable name="cl" select="key('cl', $it/odm:CodeListRef/@CodeListOID)[1]"/>
    <xsl:variable name="multi" select="@Comparator = 'IN' or @Comparator = 'NOTIN'"/>
    <span class="vn">
      <xsl:choose>
        <xsl:when test="$it"><xsl:value-of select="$it/@Name"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="@def:ItemOID"/></xsl:otherwise>
      </xsl:choose>
    </span>
    <xsl:text> </xsl:text>
    <span class="cmp"><xsl:value-of select="@Comparator"/></span>
    <xsl:text> </xsl:text>
    <xsl:if test="$multi">(</xsl:if>
    <xsl:for-each select="odm:CheckValue">
      <xsl:if test="position() &gt; 1">, </xsl:if>
      <xsl:variable name="v" select="string(.)"/>
      <span class="cv">
        <xsl:choose>
          <xsl:when test="$v = '' or contains($v, ' ') or contains($v, ',')">"<xsl:value-of select="$v"/>"</xsl:when>
          <xsl:otherwise><xsl:value-of select="$v"/></xsl:otherwise>
        </xsl:choose>
      </span>
      <xsl:variable name="dec" select="$cl/odm:CodeListItem[@CodedValue = $v][1]/odm:Decode"/>
      <xsl:if test="$dec">
        <xsl:variable name="dt"><xsl:call-template name="text-of"><xsl:with-param name="d" select="$dec"/></xsl:call-template></xsl:variable>
        <xsl:if test="string($dt) != $v"><span class="decode"> (<xsl:value-of select="$dt"/>)</span></xsl:if>
      </xsl:if>
    </xsl:for-each>
    <xsl:if test="$multi">)</xsl:if>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Codelists                                                                             -->
  <!-- ===================================================================================== -->
  <xsl:template match="odm:CodeList">
    <xsl:variable name="items" select="odm:CodeListItem | odm:EnumeratedItem"/>
    <xsl:variable name="decoded" select="odm:CodeListItem"/>
    <xsl:variable name="has-alias" select="$items/odm:Alias[@Context = 'nci:ExtCodeID']"/>
    <xsl:variable name="has-rank" select="$items/@Rank"/>
    <section class="codelist">
      <xsl:call-template name="id-attr">
        <xsl:with-param name="p" select="'cl-'"/>
        <xsl:with-param name="oid" select="@OID"/>
        <xsl:with-param name="first" select="count(key('cl', @OID)[1] | .) = 1"/>
      </xsl:call-template>
      <h3>
        <xsl:value-of select="@Name"/>
        <xsl:if test="odm:Alias[@Context = 'nci:ExtCodeID']">
          <span class="nci" title="NCI code of the codelist"><xsl:value-of select="odm:Alias[@Context = 'nci:ExtCodeID'][1]/@Name"/></span>
        </xsl:if>
        <xsl:if test="@def:IsNonStandard = 'Yes'"><span class="badge warn">Non-standard</span></xsl:if>
        <a class="top" href="#sec-codelists">Terminology ↑</a>
      </h3>
      <p class="meta">
        <span class="mono"><xsl:value-of select="@OID"/></span>
        <xsl:text> · </xsl:text><xsl:value-of select="@DataType"/>
        <xsl:if test="@SASFormatName"> · format <span class="mono"><xsl:value-of select="@SASFormatName"/></span></xsl:if>
        <xsl:if test="@def:StandardOID">
          <xsl:text> · </xsl:text>
          <xsl:call-template name="standard-ref"><xsl:with-param name="oid" select="@def:StandardOID"/></xsl:call-template>
        </xsl:if>
        <xsl:variable name="d"><xsl:call-template name="text-of"/></xsl:variable>
        <xsl:if test="string($d)"> · <xsl:value-of select="$d"/></xsl:if>
      </p>
      <xsl:if test="@def:CommentOID">
        <xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="@def:CommentOID"/></xsl:call-template>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="$items">
          <table class="grid terms">
            <thead>
              <tr>
                <th>Permitted value (code)</th>
                <xsl:if test="$decoded"><th>Display value (decode)</th></xsl:if>
                <xsl:if test="$has-alias"><th>NCI code</th></xsl:if>
                <xsl:if test="$has-rank"><th>Rank</th></xsl:if>
              </tr>
            </thead>
            <tbody>
              <xsl:for-each select="$items">
                <xsl:sort select="@OrderNumber" data-type="number"/>
                <tr>
                  <xsl:attribute name="class">
                    <xsl:text>term</xsl:text>
                    <xsl:if test="@def:ExtendedValue = 'Yes'"> ext</xsl:if>
                  </xsl:attribute>
                  <td class="cv"><xsl:value-of select="@CodedValue"/>
                    <xsl:if test="@def:ExtendedValue = 'Yes'"><span class="badge ext" title="Extended value (not in the standard terminology)">Extended</span></xsl:if>
                  </td>
                  <xsl:if test="$decoded"><td><xsl:call-template name="text-of"><xsl:with-param name="d" select="odm:Decode"/></xsl:call-template></td></xsl:if>
                  <xsl:if test="$has-alias"><td class="mono"><xsl:value-of select="odm:Alias[@Context = 'nci:ExtCodeID'][1]/@Name"/></td></xsl:if>
                  <xsl:if test="$has-rank"><td class="c-num"><xsl:value-of select="@Rank"/></td></xsl:if>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </xsl:when>
        <xsl:otherwise><p class="meta">No terms listed.</p></xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <xsl:template name="dictionaries">
    <xsl:param name="mdv"/>
    <section id="sec-dictionaries">
      <xsl:call-template name="h2"><xsl:with-param name="text" select="'External Dictionaries'"/></xsl:call-template>
      <table class="grid">
        <thead><tr><th>Reference name</th><th>Dictionary</th><th>Version</th><th>Reference</th><th>Comment</th></tr></thead>
        <tbody>
          <xsl:for-each select="$mdv/odm:CodeList[odm:ExternalCodeList]">
            <xsl:variable name="x" select="odm:ExternalCodeList[1]"/>
            <tr class="dict">
              <xsl:call-template name="id-attr">
                <xsl:with-param name="p" select="'cl-'"/>
                <xsl:with-param name="oid" select="@OID"/>
                <xsl:with-param name="first" select="count(key('cl', @OID)[1] | .) = 1"/>
              </xsl:call-template>
              <td class="strong"><xsl:value-of select="@Name"/></td>
              <td><xsl:value-of select="$x/@Dictionary"/></td>
              <td><xsl:value-of select="normalize-space($x/@Version)"/></td>
              <td>
                <xsl:if test="normalize-space($x/@ref)"><span class="mono"><xsl:value-of select="$x/@ref"/></span><xsl:text> </xsl:text></xsl:if>
                <xsl:if test="normalize-space($x/@href)"><a class="ext" href="{normalize-space($x/@href)}"><xsl:value-of select="normalize-space($x/@href)"/></a></xsl:if>
              </td>
              <td><xsl:call-template name="comment-ref"><xsl:with-param name="oid" select="@def:CommentOID"/></xsl:call-template></td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Methods and comments                                                                  -->
  <!-- ===================================================================================== -->
  <xsl:template name="methods">
    <xsl:param name="mdv"/>
    <section id="sec-methods">
      <xsl:call-template name="h2"><xsl:with-param name="text" select="'Methods'"/></xsl:call-template>
      <table class="grid">
        <thead><tr><th class="c-mname">Method</th><th>Type</th><th>Description</th></tr></thead>
        <tbody>
          <xsl:for-each select="$mdv/odm:MethodDef">
            <tr>
              <xsl:call-template name="id-attr">
                <xsl:with-param name="p" select="'mt-'"/>
                <xsl:with-param name="oid" select="@OID"/>
                <xsl:with-param name="first" select="count(key('mt', @OID)[1] | .) = 1"/>
              </xsl:call-template>
              <td class="strong"><xsl:value-of select="@Name"/><xsl:if test="@OID != @Name"><div class="mono small"><xsl:value-of select="@OID"/></div></xsl:if></td>
              <td><xsl:value-of select="@Type"/></td>
              <td>
                <div class="txt"><xsl:call-template name="text-of"><xsl:with-param name="block" select="true()"/></xsl:call-template></div>
                <xsl:for-each select="odm:FormalExpression">
                  <div class="fx">
                    <xsl:if test="normalize-space(@Context)"><div class="meta">Context: <xsl:value-of select="normalize-space(@Context)"/></div></xsl:if>
                    <pre class="code"><xsl:call-template name="trim"><xsl:with-param name="s" select="."/></xsl:call-template></pre>
                  </div>
                </xsl:for-each>
                <xsl:call-template name="doc-list"/>
              </td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <xsl:template name="comments">
    <xsl:param name="mdv"/>
    <section id="sec-comments">
      <xsl:call-template name="h2"><xsl:with-param name="text" select="'Comments'"/></xsl:call-template>
      <table class="grid">
        <thead><tr><th class="c-mname">Comment</th><th>Description</th></tr></thead>
        <tbody>
          <xsl:for-each select="$mdv/def:CommentDef">
            <tr>
              <xsl:call-template name="id-attr">
                <xsl:with-param name="p" select="'com-'"/>
                <xsl:with-param name="oid" select="@OID"/>
                <xsl:with-param name="first" select="count(key('com', @OID)[1] | .) = 1"/>
              </xsl:call-template>
              <td class="mono"><xsl:value-of select="@OID"/></td>
              <td>
                <div class="txt"><xsl:call-template name="text-of"><xsl:with-param name="block" select="true()"/></xsl:call-template></div>
                <xsl:call-template name="doc-list"/>
              </td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Helpers                                                                               -->
  <!-- ===================================================================================== -->

  <!-- Text of a Description/Decode: English (or untagged) TranslatedText, else the first one.
       Inline text is whitespace-normalised; block text keeps its line breaks (CSS pre-line). -->
  <xsl:template name="text-of">
    <xsl:param name="d" select="odm:Description"/>
    <xsl:param name="block" select="false()"/>
    <xsl:variable name="pref" select="$d/odm:TranslatedText[not(@xml:lang) or @xml:lang = 'en' or starts-with(@xml:lang, 'en-')]"/>
    <xsl:variable name="t" select="($pref | $d/odm:TranslatedText[not($pref)])[1]"/>
    <xsl:choose>
      <xsl:when test="not($t)"/>
      <xsl:when test="$block"><xsl:call-template name="trim"><xsl:with-param name="s" select="string($t)"/></xsl:call-template></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space($t)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Strip leading and trailing white space, keep inner line breaks. -->
  <xsl:template name="trim">
    <xsl:param name="s"/>
    <xsl:variable name="first" select="substring(normalize-space($s), 1, 1)"/>
    <xsl:if test="$first != ''">
      <xsl:call-template name="rtrim">
        <xsl:with-param name="s" select="concat($first, substring-after($s, $first))"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>
  <xsl:template name="rtrim">
    <xsl:param name="s"/>
    <xsl:variable name="n" select="string-length($s)"/>
    <xsl:choose>
      <xsl:when test="$n &gt; 0 and contains($ws, substring($s, $n, 1))">
        <xsl:call-template name="rtrim"><xsl:with-param name="s" select="substring($s, 1, $n - 1)"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- id attribute "p + enc(oid) [+ '__' + enc(oid2)]"; written only when $first is true so
       that a duplicated OID in a faulty document cannot produce duplicate ids. -->
  <xsl:template name="id-attr">
    <xsl:param name="p"/>
    <xsl:param name="oid"/>
    <xsl:param name="oid2" select="''"/>
    <xsl:param name="first" select="true()"/>
    <xsl:if test="$first">
      <xsl:attribute name="id">
        <xsl:call-template name="make-id">
          <xsl:with-param name="p" select="$p"/>
          <xsl:with-param name="oid" select="$oid"/>
          <xsl:with-param name="oid2" select="$oid2"/>
        </xsl:call-template>
      </xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- Internal link; the caller makes sure the target exists. -->
  <xsl:template name="ilink">
    <xsl:param name="p"/>
    <xsl:param name="oid"/>
    <xsl:param name="oid2" select="''"/>
    <xsl:param name="label"/>
    <xsl:param name="class" select="'ref'"/>
    <xsl:param name="title" select="''"/>
    <a>
      <xsl:attribute name="href">
        <xsl:text>#</xsl:text>
        <xsl:call-template name="make-id">
          <xsl:with-param name="p" select="$p"/>
          <xsl:with-param name="oid" select="$oid"/>
          <xsl:with-param name="oid2" select="$oid2"/>
        </xsl:call-template>
      </xsl:attribute>
      <xsl:if test="string($class)"><xsl:attribute name="class"><xsl:value-of select="$class"/></xsl:attribute></xsl:if>
      <xsl:if test="string($title)"><xsl:attribute name="title"><xsl:value-of select="$title"/></xsl:attribute></xsl:if>
      <xsl:copy-of select="$label"/>
    </a>
  </xsl:template>

  <xsl:template name="make-id">
    <xsl:param name="p"/>
    <xsl:param name="oid"/>
    <xsl:param name="oid2" select="''"/>
    <xsl:value-of select="$p"/>
    <xsl:call-template name="enc"><xsl:with-param name="s" select="string($oid)"/></xsl:call-template>
    <xsl:if test="string($oid2)">
      <xsl:text>__</xsl:text>
      <xsl:call-template name="enc"><xsl:with-param name="s" select="string($oid2)"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Id encoding: [A-Za-z0-9.-] kept, other ASCII as _HH, tab/LF/CR as _09/_0A/_0D, other
       characters (non-ASCII) as _u (ids stay ASCII so href values need no escaping). -->
  <xsl:template name="enc">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="translate($s, $id-safe, '') = ''"><xsl:value-of select="$s"/></xsl:when>
      <xsl:otherwise>
        <xsl:variable name="c" select="substring($s, 1, 1)"/>
        <xsl:choose>
          <xsl:when test="contains($id-safe, $c)"><xsl:value-of select="$c"/></xsl:when>
          <xsl:when test="contains($ascii, $c)">
            <xsl:variable name="code" select="string-length(substring-before($ascii, $c)) + 32"/>
            <xsl:text>_</xsl:text>
            <xsl:value-of select="substring($hex, floor($code div 16) + 1, 1)"/>
            <xsl:value-of select="substring($hex, $code mod 16 + 1, 1)"/>
          </xsl:when>
          <xsl:when test="$c = '&#9;'">_09</xsl:when>
          <xsl:when test="$c = '&#10;'">_0A</xsl:when>
          <xsl:when test="$c = '&#13;'">_0D</xsl:when>
          <xsl:otherwise>_u</xsl:otherwise>
        </xsl:choose>
        <xsl:if test="string-length($s) &gt; 1">
          <xsl:call-template name="enc"><xsl:with-param name="s" select="substring($s, 2)"/></xsl:call-template>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================================================================================== -->
  <!-- Embedded style sheet                                                                  -->
  <!-- ===================================================================================== -->
  <xsl:template name="css">
    <xsl:text>
:root{--ink:#1d2733;--muted:#5b6878;--line:#cfd7e2;--head:#e9eef5;--accent:#1f4e79;--band:#f6f8fb;--nav:#f2f4f7}
*{box-sizing:border-box}
html{scroll-padding-top:8px}
body{margin:0;font:13px/1.45 "Segoe UI","Helvetica Neue",Arial,"Liberation Sans",sans-serif;color:var(--ink);background:#fff;display:grid;grid-template-columns:250px minmax(0,1fr)}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
a.ext::after{content:"\2197";font-size:.8em;margin-left:1px;color:var(--muted)}
nav.toc{position:sticky;top:0;height:100vh;overflow-y:auto;background:var(--nav);border-right:1px solid var(--line);padding:14px 10px 24px 14px;font-size:12.5px}
nav.toc .toc-title{margin:0 0 8px;font-weight:700;font-size:14px}
nav.toc ul{list-style:none;margin:0;padding:0}
nav.toc li{margin:2px 0}
nav.toc>ul>li>a{font-weight:600}
nav.toc ul ul{margin:2px 0 6px 8px;padding-left:8px;border-left:2px solid var(--line)}
nav.toc ul ul a{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:var(--ink)}
nav.toc .toc-desc{color:var(--muted);margin-left:6px;font-weight:400}
main{padding:18px 32px 40px;min-width:0}
header{border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:8px}
.kicker{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.06em;font-size:11px}
h1{font-size:22px;margin:2px 0 10px;color:var(--accent)}
h2{font-size:18px;color:var(--accent);border-bottom:1px solid var(--line);padding-bottom:4px;margin:30px 0 10px;display:flex;align-items:baseline;gap:12px}
h3{font-size:15px;margin:26px 0 6px;display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px}
h2 .top,h3 .top{margin-left:auto;font-size:11px;font-weight:400}
.h-desc{font-weight:400;color:var(--muted)}
section.dataset,section.vlm,section.display,section.codelist{border-top:1px solid var(--line);margin-top:22px}
h2+section.vlm,h2+section.codelist{border-top:0;margin-top:0}
h2+section.vlm>h3,h2+section.codelist>h3{margin-top:8px}
table.grid.terms{width:auto;min-width:50%;max-width:100%}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}
table.grid th,table.grid td{border:1px solid var(--line);padding:3px 6px;vertical-align:top;text-align:left}
table.grid thead th{background:var(--head);font-weight:600;position:sticky;top:0;z-index:1;box-shadow:inset 0 -1px 0 var(--line)}
table.grid tbody tr:nth-child(even){background:var(--band)}
table.grid tbody tr:target,section:target>h3{background:#fff4c2}
table.kv{width:auto;max-width:100%}
table.kv th{text-align:left;font-weight:600;color:var(--muted);padding:2px 14px 2px 0;vertical-align:top;white-space:nowrap}
table.kv td{padding:2px 0;vertical-align:top}
table.arm{border:1px solid var(--line);width:100%;margin:10px 0 14px}
table.arm th{padding:4px 10px;background:var(--band);width:170px;border-bottom:1px solid var(--line)}
table.arm td{padding:4px 10px;border-bottom:1px solid var(--line)}
table.arm tr.arm-head th,table.arm tr.arm-head td{background:var(--head)}
dl.facts{display:flex;flex-wrap:wrap;gap:2px 22px;margin:4px 0 6px}
dl.facts div{display:flex;gap:6px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;font-weight:500}
.vars{font-size:12.5px}
.vars td.c-name{white-space:nowrap}
.c-num{text-align:right;white-space:nowrap;width:1%}
table.grid td.c-num{text-align:right}
.c-type,.c-fmt{white-space:nowrap}
.c-label{min-width:110px}
.c-ct{min-width:110px}
.c-origin{min-width:100px}
.c-where{min-width:130px}
.c-deriv{min-width:160px}
td.c-origin .small,td.c-where,td.c-deriv,td.c-ct{overflow-wrap:anywhere}
.c-mname{width:22%}
.vn{font-family:Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-weight:600}
.mono,.cv,.nci{font-family:Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.95em}
.strong{font-weight:600}
.nowrap{white-space:nowrap}
.small{font-size:11.5px}
.meta{color:var(--muted);margin:2px 0 6px}
.note{margin:4px 0 6px}
.txt{white-space:pre-line}
.req{color:#a33;font-weight:700;margin-left:2px}
.badge{display:inline-block;font-size:10.5px;line-height:1.3;padding:0 5px;border-radius:8px;border:1px solid #9fb3c8;background:#eef3f8;color:#2a4a6b;margin-left:4px;font-weight:600;white-space:nowrap;text-decoration:none}
a.badge:hover{background:#dde8f3;text-decoration:none}
.badge.warn{border-color:#d2a35a;background:#fff5e5;color:#7a4d00}
.badge.ext{border-color:#b38bd1;background:#f6efff;color:#5a2d82}
.badge.mt,.badge.com{margin-left:0}
.nci{color:var(--muted);font-weight:400;font-size:12px}
.missing{color:#a33;border-bottom:1px dotted #a33}
.otype{font-weight:600}
.osrc{color:var(--muted)}
.origin+.origin{margin-top:4px}
.mref+.cref,.cref+.cref,.mref+.mref{margin-top:4px;padding-top:4px;border-top:1px dotted var(--line)}
ul.terms,ul.plain,ul.docs{margin:2px 0 0;padding-left:14px}
ul.terms li,ul.plain li{margin:0}
ul.plain{list-style:square}
.count,.decode{color:var(--muted)}
.iso{color:var(--muted);font-style:italic}
.op,.cmp{font-weight:600;color:#555}
.where{margin:2px 0 4px 12px;color:var(--ink)}
.arm-ds+.arm-ds{margin-top:4px}
pre.code{background:#f7f7f4;border:1px solid #e0e0d8;padding:6px 8px;margin:4px 0;font:12px/1.4 Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;white-space:pre-wrap;overflow-wrap:anywhere}
tr.term.ext td{background:#fbf8ff}
td{overflow-wrap:break-word}
footer{margin-top:40px;padding-top:8px;border-top:1px solid var(--line);color:var(--muted);font-size:11.5px}
@media (max-width:900px){body{display:block}nav.toc{position:static;height:auto;border-right:0;border-bottom:1px solid var(--line)}main{padding:14px}}
@page{size:landscape;margin:12mm}
@media print{
 body{display:block;font-size:10.5px}
 nav.toc{position:static;height:auto;border:0;background:none;break-after:page;padding:0}
 nav.toc ul ul a{white-space:normal}
 main{padding:0}
 a{color:inherit}
 a.ext::after{content:""}
 .top{display:none}
 table.grid thead{display:table-header-group}
 table.grid thead th{position:static}
 tr,pre.code{break-inside:avoid}
 h2,h3{break-after:avoid}
 section.dataset,section.vlm,section.display{break-before:page;border:0}
 table.grid tbody tr:nth-child(even){background:none}
}
</xsl:text>
  </xsl:template>

</xsl:stylesheet>
